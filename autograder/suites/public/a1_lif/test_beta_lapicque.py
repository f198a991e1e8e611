"""Public tests for beta_from_tau and lapicque_step on hand-checkable values."""

import math

import pytest
import torch

from autograder.checks import assert_close, raises_in_student_code


@pytest.mark.points(1)
def test_beta_from_tau_values(student):
    """beta_from_tau returns exp(-time_step / tau) for a few time constants."""
    for tau, time_step in [(1e-3, 1e-3), (5e-3, 1e-3), (2.0, 0.5)]:
        context = f"tau={tau}, time_step={time_step}"
        beta = student.beta_from_tau(tau, time_step=time_step)
        assert isinstance(beta, (int, float)), (
            f"beta_from_tau should return a Python float, got {type(beta).__name__} ({context})"
        )

        expected = math.exp(-time_step / tau)
        assert_close(
            torch.tensor(float(beta), dtype=torch.float64),
            torch.tensor(expected, dtype=torch.float64),
            what="beta_from_tau",
            context=context,
        )


@pytest.mark.points(1)
def test_beta_from_tau_rejects_zero_tau(student):
    """beta_from_tau raises ValueError for a time constant of zero."""
    with raises_in_student_code("ValueError", call="beta_from_tau(tau=0.0)"):
        student.beta_from_tau(0.0)


@pytest.mark.points(1)
def test_lapicque_step_charges_from_rest(student):
    """lapicque_step moves a membrane at rest by (time_step / C) * current."""
    cur = torch.tensor([1.0, 0.5, -1.0])

    # Defaults R=5, C=1e-3, time_step=1e-3: time_step / (R C) = 0.2, so U = 0.2 * 5 * I = I.
    mem = student.lapicque_step(torch.zeros(3), cur)
    assert_close(mem, cur, what="lapicque_step", context="mem=0, cur=[1.0, 0.5, -1.0], default R, C, time_step")

    # time_step / (R C) = 0.25, so U = 0.25 * 2 * I = 0.5 * I.
    mem = student.lapicque_step(torch.zeros(3), cur, R=2.0, C=0.5, time_step=0.25)
    assert_close(
        mem,
        torch.tensor([0.5, 0.25, -0.5]),
        what="lapicque_step",
        context="mem=0, cur=[1.0, 0.5, -1.0], R=2.0, C=0.5, time_step=0.25",
    )


@pytest.mark.points(1)
def test_lapicque_step_leaks_without_input(student):
    """lapicque_step without input shrinks the membrane by 1 - time_step / (R C)."""
    mem = torch.tensor([1.0, -0.5, 2.0])

    # Defaults: 1 - time_step / (R C) = 0.8.
    new_mem = student.lapicque_step(mem, torch.zeros(3))
    assert_close(
        new_mem,
        torch.tensor([0.8, -0.4, 1.6]),
        what="lapicque_step",
        context="mem=[1.0, -0.5, 2.0], cur=0, default R=5.0, C=1e-3, time_step=1e-3",
    )
