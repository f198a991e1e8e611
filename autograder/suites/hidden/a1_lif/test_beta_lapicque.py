"""Hidden tests for beta_from_tau and lapicque_step against math.exp and snn.Lapicque."""

import math
from pathlib import Path

import pytest
import torch

from autograder.checks import assert_close, raises_in_student_code
from autograder.suites.hidden.a1_lif import oracle


#: (R, C, time_step) with time_step / (R C) between 0.1 and 0.25. No C equals 1, so
#: a step of time_step / R differs from the correct one in every circuit.
RC_CIRCUITS = [(5.0, 1e-3, 1e-3), (1.0, 2e-3, 5e-4), (10.0, 1e-4, 1e-4), (2.0, 0.5, 0.25)]


@pytest.mark.points(1)
def test_beta_from_tau_matches_exp(student):
    """beta_from_tau equals exp(-time_step / tau) over a range of time constants and steps."""
    for tau, time_step in [(1e-3, 1e-4), (20e-3, 1e-3), (0.5, 1e-3), (1e-2, 1e-2), (3.0, 7.0)]:
        context = f"tau={tau}, time_step={time_step}"
        beta = student.beta_from_tau(tau, time_step=time_step)
        assert isinstance(beta, (int, float)), (
            f"beta_from_tau should return a Python float, got {type(beta).__name__} ({context})"
        )

        assert_close(
            torch.tensor(float(beta), dtype=torch.float64),
            torch.tensor(math.exp(-time_step / tau), dtype=torch.float64),
            what="beta_from_tau",
            context=context,
        )


@pytest.mark.points(1)
def test_beta_from_tau_rejects_negative_tau(student):
    """beta_from_tau raises ValueError naming a negative time constant."""
    with raises_in_student_code("ValueError", call="beta_from_tau(tau=-0.002)") as raised:
        student.beta_from_tau(-0.002)

    assert "-0.002" in raised.message, (
        f"the ValueError message should contain the invalid tau -0.002, got: {raised.message}"
    )


@pytest.mark.points(1)
def test_beta_from_tau_rejects_bad_time_step(student):
    """beta_from_tau raises ValueError for a time step of zero or below."""
    for time_step in (0.0, -0.001):
        with raises_in_student_code("ValueError", call=f"beta_from_tau(tau=0.01, time_step={time_step})") as raised:
            student.beta_from_tau(0.01, time_step=time_step)

    assert "-0.001" in raised.message, (
        f"the ValueError message should contain the invalid time_step -0.001, got: {raised.message}"
    )


@pytest.mark.points(1)
@pytest.mark.parametrize("dtype", oracle.DTYPES, ids=str)
def test_lapicque_matches_snntorch(student, dtype):
    """lapicque_step agrees with snn.Lapicque without reset on random membranes and currents."""
    generator = torch.Generator().manual_seed(1101)
    for R, C, time_step in RC_CIRCUITS:
        mem = torch.rand((4, 5), generator=generator, dtype=dtype) * 3.0 - 1.0
        cur = torch.rand((4, 5), generator=generator, dtype=dtype) * 2.0 - 0.5
        expected = oracle.lapicque_oracle(mem, cur, R, C, time_step)

        new_mem = student.lapicque_step(mem, cur, R=R, C=C, time_step=time_step)
        assert_close(
            new_mem,
            expected,
            what="lapicque_step",
            context=f"R={R}, C={C}, time_step={time_step}, random mem and cur of shape (4, 5), dtype {dtype}",
        )


@pytest.mark.points(1)
def test_lapicque_step_does_not_modify_inputs(student):
    """lapicque_step leaves its mem and cur arguments unchanged."""
    generator = torch.Generator().manual_seed(1102)
    mem = torch.rand((3, 4), generator=generator)
    cur = torch.rand((3, 4), generator=generator)

    record = student.call("lapicque_step", mem, cur, R=5.0, C=1e-3, time_step=1e-3)
    assert record.modified_inputs == [], (
        f"lapicque_step modified {', '.join(record.modified_inputs)} in place; "
        "compute the new membrane as a new tensor instead"
    )
