"""Hidden tests for leaky_step against snn.Leaky on random, well-conditioned inputs."""

from pathlib import Path

import pytest

from autograder.checks import assert_close, assert_equal, assert_tensor
from autograder.suites.hidden.a1_lif import oracle


#: (shape, beta, threshold) of the single-step cases. Each case draws a random
#: membrane, so some neurons start above the threshold and reset.
STEP_CASES = [
    ((8, 16), 0.9, 1.0),
    ((32,), 0.5, 0.7),
    ((2, 3, 10), 0.25, 1.3),
    ((6, 12), 0.95, 2.0),
]


def _check_one_step(student, reset_mechanism, dtype, seed, beta=None, check="mem"):
    """Compare one leaky_step call per case in STEP_CASES with snn.Leaky.

    `check` selects the output compared: "mem" for the membrane, "spk" for the spikes.
    `beta` overrides the cases' decay rate, for example with "per-neuron".
    """
    for index, (shape, case_beta, threshold) in enumerate(STEP_CASES):
        case = oracle.sample_leaky_case(
            seed=seed + 1000 * index,
            shape=shape,
            steps=1,
            beta=case_beta if beta is None else beta,
            threshold=threshold,
            reset_mechanism=reset_mechanism,
            dtype=dtype,
            random_mem=True,
        )
        context = case.context(single_step=True)

        spk, mem = student.leaky_step(
            case.inputs[0],
            case.mem,
            case.beta,
            threshold=case.threshold,
            reset_mechanism=reset_mechanism,
        )
        if check == "mem":
            assert_close(mem, case.mem_rec[0], what="mem", context=context)
        else:
            assert_tensor(spk, what="spk", shape=shape, dtype=dtype, context=context)
            assert_equal(spk, case.spk_rec[0], what="spk", context=context)


@pytest.mark.points(1)
@pytest.mark.parametrize("dtype", oracle.DTYPES, ids=str)
def test_subtract_matches_snntorch(student, dtype):
    """The membrane after reset by subtraction agrees with snn.Leaky."""
    _check_one_step(student, "subtract", dtype, seed=2100)


@pytest.mark.points(1)
@pytest.mark.parametrize("dtype", oracle.DTYPES, ids=str)
def test_zero_matches_snntorch(student, dtype):
    """The membrane after reset to zero agrees with snn.Leaky."""
    _check_one_step(student, "zero", dtype, seed=2200)


@pytest.mark.points(1)
@pytest.mark.parametrize("dtype", oracle.DTYPES, ids=str)
def test_none_matches_snntorch(student, dtype):
    """The membrane without reset agrees with snn.Leaky."""
    _check_one_step(student, "none", dtype, seed=2300)


@pytest.mark.points(1)
@pytest.mark.parametrize("dtype", oracle.DTYPES, ids=str)
def test_spikes_match_snntorch(student, dtype):
    """The spikes, taken from the updated membrane, agree with snn.Leaky.

    The cases use reset_mechanism='none', so a wrong reset does not cost these points.
    """
    _check_one_step(student, "none", dtype, seed=2400, check="spk")


@pytest.mark.points(1)
@pytest.mark.parametrize("dtype", oracle.DTYPES, ids=str)
def test_per_neuron_beta_matches_snntorch(student, dtype):
    """A tensor of one beta per neuron broadcasts over the batch like in snn.Leaky.

    The cases use reset_mechanism='none', so a wrong reset does not cost these points.
    """
    _check_one_step(student, "none", dtype, seed=2500, beta="per-neuron")
