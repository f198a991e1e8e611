"""Hidden tests for simulate_leaky against snn.Leaky and for firing_rate."""


import pytest
import torch

from autograder.checks import assert_close, assert_equal, assert_tensor
from autograder.suites.hidden.a1_lif import oracle


#: (shape, steps, beta, threshold, reset_mechanism) of the random runs.
RUN_CASES = [
    ((4, 8), 20, 0.9, 1.0, "subtract"),
    ((16,), 25, 0.5, 0.7, "zero"),
    ((2, 3, 4), 15, 0.8, 1.3, "none"),
    ((4, 8), 20, "per-neuron", 1.0, "subtract"),
    ((3, 8), 20, "per-neuron", 0.9, "zero"),
]


@pytest.mark.points(1)
@pytest.mark.parametrize("dtype", oracle.DTYPES, ids=str)
def test_simulate_matches_snntorch(student, dtype):
    """simulate_leaky's spike and membrane records agree with snn.Leaky over whole runs."""
    for index, (shape, steps, beta, threshold, reset_mechanism) in enumerate(RUN_CASES):
        case = oracle.sample_leaky_case(
            seed=4100 + 1000 * index,
            shape=shape,
            steps=steps,
            beta=beta,
            threshold=threshold,
            reset_mechanism=reset_mechanism,
            dtype=dtype,
        )

        spk_rec, mem_rec = student.simulate_leaky(
            case.inputs, case.beta, threshold=threshold, reset_mechanism=reset_mechanism
        )
        assert_equal(spk_rec, case.spk_rec, what="spk_rec", context=case.context())
        assert_close(mem_rec, case.mem_rec, what="mem_rec", context=case.context())


@pytest.mark.points(1)
def test_simulate_records_membrane_after_update(student):
    """mem_rec[t] is the membrane after the update of step t, not before it."""
    case = oracle.sample_leaky_case(
        seed=4200, shape=(8,), steps=10, beta=0.5, threshold=1.0, reset_mechanism="none", dtype=torch.float32
    )

    _, mem_rec = student.simulate_leaky(case.inputs, 0.5, threshold=1.0, reset_mechanism="none")
    assert_close(mem_rec, case.mem_rec, what="mem_rec", context=case.context())


@pytest.mark.points(1)
def test_simulate_starts_from_given_membrane(student):
    """simulate_leaky starts from the mem argument instead of a membrane at rest."""
    mem = torch.tensor([-0.5, 0.5, 1.5, 3.0])
    context = "inputs=0 for 5 steps, mem=[-0.5, 0.5, 1.5, 3.0], beta=1.0, threshold=1.0, reset_mechanism='none'"

    # With beta = 1, no input and no reset the membrane keeps its initial value.
    spk_rec, mem_rec = student.simulate_leaky(
        torch.zeros(5, 4), 1.0, threshold=1.0, reset_mechanism="none", mem=mem
    )
    assert_equal(spk_rec, torch.tensor([[0.0, 0.0, 1.0, 1.0]] * 5), what="spk_rec", context=context)
    assert_close(mem_rec, mem.expand(5, 4), what="mem_rec", context=context)


@pytest.mark.points(1)
def test_simulate_record_shapes(student):
    """simulate_leaky's records have the shape and dtype of the inputs for any neuron layout."""
    for dtype in oracle.DTYPES:
        for shape in [(5,), (5, 3), (4, 2, 3)]:
            context = f"inputs of shape {shape} and dtype {dtype}, beta=0.9"
            spk_rec, mem_rec = student.simulate_leaky(torch.full(shape, 0.4, dtype=dtype), 0.9)

            assert_tensor(spk_rec, what="spk_rec", shape=shape, dtype=dtype, context=context)
            assert_tensor(mem_rec, what="mem_rec", shape=shape, dtype=dtype, context=context)


@pytest.mark.points(1)
def test_simulate_does_not_modify_inputs(student):
    """simulate_leaky leaves inputs and the initial membrane unchanged."""
    generator = torch.Generator().manual_seed(4500)
    inputs = torch.rand((6, 3, 4), generator=generator) * 1.5 - 0.5
    mem = torch.rand((3, 4), generator=generator) * 2.5 - 0.5

    for reset_mechanism in ("subtract", "zero", "none"):
        record = student.call(
            "simulate_leaky", inputs, 0.9, threshold=1.0, reset_mechanism=reset_mechanism, mem=mem
        )
        assert record.modified_inputs == [], (
            f"simulate_leaky modified {', '.join(record.modified_inputs)} in place "
            f"(reset_mechanism={reset_mechanism!r}); compute new tensors instead"
        )


@pytest.mark.points(1)
def test_firing_rate_matches_mean(student):
    """firing_rate equals the mean of random spike trains over time."""
    generator = torch.Generator().manual_seed(4600)
    for dtype in oracle.DTYPES:
        for shape in [(50,), (40, 6), (30, 2, 5)]:
            spk_rec = (torch.rand(shape, generator=generator, dtype=dtype) < 0.3).to(dtype)
            rate = student.firing_rate(spk_rec)

            assert_close(
                rate,
                spk_rec.mean(dim=0),
                what="firing_rate",
                context=f"random spikes of shape {shape} and dtype {dtype}",
            )
