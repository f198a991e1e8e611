"""Hidden tests for rate_encode: shapes, certain outcomes, firing statistics and generators.

The statistical tests bound the probability that a correct submission fails them
with Hoeffding's inequality: for n independent Bernoulli(p) draws with mean p̂,
P(|p̂ - p| >= δ) <= 2 exp(-2 n δ²), and one side alone is at most half of that. The
engine seeds every call identically, so each test's outcome is fixed for a given
submission. The bounds hold for any seed.
"""


import pytest
import torch

from autograder.checks import assert_equal, assert_tensor, raises_in_student_code
from autograder.suites.hidden.a2_encoding import oracle


#: Largest failure probability allowed for a correct submission in any test here.
MAX_FALSE_FAILURE = 1e-6


def _assert_all(spikes, value, shape, dtype, context):
    """Check that `spikes` has the shape and dtype and equals `value` everywhere."""
    assert_tensor(spikes, what="spikes", shape=shape, dtype=dtype, context=context)
    assert_equal(spikes, torch.full(shape, value, dtype=dtype), what="spikes", context=context)


def _assert_frequency(spikes, p, deviation, context):
    """Check that the fraction of spikes in `spikes` lies within `deviation` of p."""
    frequency = float(spikes.double().mean())
    assert abs(frequency - p) < deviation, (
        f"the fraction of steps with a spike is {frequency:.4f}, expected {p} within {deviation} "
        f"over {spikes.numel()} draws ({context})"
    )


@pytest.mark.points(1)
def test_rate_shapes_and_dtypes(student):
    """rate_encode returns [num_steps, *data.shape] in the dtype of data, containing only 0 and 1."""
    for dtype in oracle.DTYPES:
        for shape in [(), (5,), (2, 3), (2, 3, 4)]:
            for num_steps in (1, 7):
                data = torch.full(shape, 0.5, dtype=dtype)
                context = f"data=0.5 of shape {shape}, num_steps={num_steps}, dtype {dtype}"

                spikes = student.rate_encode(data, num_steps)
                assert_tensor(spikes, what="spikes", shape=(num_steps, *shape), dtype=dtype, context=context)
                is_binary = (spikes == 0) | (spikes == 1)
                assert_equal(is_binary, torch.ones_like(is_binary), what="spikes == 0 or spikes == 1", context=context)


@pytest.mark.points(1)
def test_rate_certain_outcomes(student):
    """Probabilities of 0 or below never fire and probabilities of 1 or above fire at every step."""
    for dtype in oracle.DTYPES:
        for value, expected in [(0.0, 0.0), (-0.5, 0.0), (1.0, 1.0), (1.7, 1.0)]:
            data = torch.full((4, 30), value, dtype=dtype)
            context = f"data={value} of shape (4, 30), num_steps=50, dtype {dtype}"

            spikes = student.rate_encode(data, 50)
            _assert_all(spikes, expected, (50, 4, 30), dtype, context)


@pytest.mark.points(1)
def test_rate_gain_scales_data(student):
    """gain multiplies the data before clamping: 0.25 with gain 4 always fires, gain 0 or -2 never."""
    for value, gain, expected in [(0.25, 4.0, 1.0), (0.5, 3.0, 1.0), (0.5, 0.0, 0.0), (0.75, -2.0, 0.0)]:
        data = torch.full((4, 30), value)
        context = f"data={value} of shape (4, 30), num_steps=50, gain={gain}"

        spikes = student.rate_encode(data, 50, gain=gain)
        _assert_all(spikes, expected, (50, 4, 30), torch.float32, context)


#: Firing probabilities of the frequency test, one row of elements each.
PROBABILITIES = (0.1, 0.25, 0.5, 0.75, 0.9)


@pytest.mark.points(1)
def test_rate_firing_frequency(student):
    """Elements fire in a fraction p of their steps, for p from 0.1 to 0.9.

    Each p has n = 10,000 elements x 4 steps = 40,000 draws. With δ = 0.025 a
    correct submission fails one p with probability at most 2 exp(-2 n δ²) = 2 exp(-50),
    about 4e-22, and any of the 5 with at most 2e-21. A submission that repeats one
    draw at every step still has 10,000 independent draws per p here, with a standard
    deviation of at most 0.005, so it nearly always passes and loses its point in
    test_rate_steps_independent instead.
    """
    elements, num_steps, deviation = 10_000, 4, 0.025
    assert len(PROBABILITIES) * oracle.hoeffding_bound(elements * num_steps, deviation) < MAX_FALSE_FAILURE
    data = torch.tensor(PROBABILITIES).unsqueeze(1).expand(len(PROBABILITIES), elements).contiguous()
    context = f"data of shape {tuple(data.shape)}, row i filled with p = {PROBABILITIES}[i], num_steps={num_steps}"

    spikes = student.rate_encode(data, num_steps)
    assert_tensor(spikes, what="spikes", shape=(num_steps, *data.shape), dtype=torch.float32, context=context)
    for row, p in enumerate(PROBABILITIES):
        _assert_frequency(spikes[:, row], p, deviation, f"data={p} for {elements} elements, num_steps={num_steps}")


@pytest.mark.points(1)
def test_rate_gain_frequency(student):
    """With a gain, elements fire in a fraction clamp(gain * data, 0, 1) of their steps.

    Each case has n = 10,000 elements x 4 steps = 40,000 draws. With δ = 0.025 a
    correct submission fails a case with probability at most 2 exp(-50), about
    4e-22, and either of the two with at most 8e-22.
    """
    elements, num_steps, deviation = 10_000, 4, 0.025
    cases = [(0.6, 0.5, 0.3), (0.2, 2.5, 0.5)]
    assert len(cases) * oracle.hoeffding_bound(elements * num_steps, deviation) < MAX_FALSE_FAILURE
    for value, gain, p in cases:
        context = f"data={value} for {elements} elements, gain={gain}, num_steps={num_steps}"

        spikes = student.rate_encode(torch.full((elements,), value), num_steps, gain=gain)
        assert_tensor(spikes, what="spikes", shape=(num_steps, elements), dtype=torch.float32, context=context)
        _assert_frequency(spikes, p, deviation, context)


@pytest.mark.points(1)
def test_rate_steps_independent(student):
    """Consecutive steps of an element are independent draws, not one draw repeated.

    With p = 0.5, the pairs of steps (2k, 2k + 1) of each element agree with
    probability 0.5, independently: 10,000 pairs x 2 elements give n = 20,000. A
    correct submission reaches an agreement of 0.55 with probability at most
    exp(-2 n 0.05²) = exp(-100), about 4e-44. One draw repeated agrees always.
    """
    num_steps, elements = 20_000, 2
    assert oracle.hoeffding_bound(num_steps // 2 * elements, 0.05) / 2 < MAX_FALSE_FAILURE
    context = f"data=0.5 for {elements} elements, num_steps={num_steps}"

    spikes = student.rate_encode(torch.full((elements,), 0.5), num_steps)
    assert_tensor(spikes, what="spikes", shape=(num_steps, elements), dtype=torch.float32, context=context)
    agreement = float((spikes[0::2] == spikes[1::2]).double().mean())
    assert agreement < 0.55, (
        f"steps 2k and 2k + 1 of an element are equal in {agreement:.3f} of the pairs, expected about 0.5 "
        f"for independent draws with p = 0.5; draw a new random number for every step ({context})"
    )


@pytest.mark.points(1)
def test_rate_elements_independent(student):
    """Elements of one step are independent draws, not one draw shared by all elements.

    With p = 0.5, the pairs of elements (2j, 2j + 1) at each step agree with
    probability 0.5, independently: 10,000 pairs x 2 steps give n = 20,000. A
    correct submission reaches an agreement of 0.55 with probability at most
    exp(-100), about 4e-44. One draw shared by all elements agrees always.
    """
    num_steps, elements = 2, 20_000
    assert oracle.hoeffding_bound(elements // 2 * num_steps, 0.05) / 2 < MAX_FALSE_FAILURE
    context = f"data=0.5 for {elements} elements, num_steps={num_steps}"

    spikes = student.rate_encode(torch.full((elements,), 0.5), num_steps)
    assert_tensor(spikes, what="spikes", shape=(num_steps, elements), dtype=torch.float32, context=context)
    agreement = float((spikes[:, 0::2] == spikes[:, 1::2]).double().mean())
    assert agreement < 0.55, (
        f"elements 2j and 2j + 1 are equal at {agreement:.3f} of the steps, expected about 0.5 for "
        f"independent draws with p = 0.5; draw a new random number for every element ({context})"
    )


@pytest.mark.points(1)
def test_rate_draws_from_given_generator(student):
    """rate_encode draws from the generator it is given: the same state gives the same spikes.

    The calls run with different global seeds, so only a submission that draws
    from `generator` repeats its spikes. A correct submission never fails the first
    check. It fails the second only if two differently seeded generators give the
    same 2,000 draws with p = 0.5, with probability 2^-2000.
    """
    data = torch.full((50,), 0.5)
    context = "data=0.5 for 50 elements, num_steps=40"

    first = student.call("rate_encode", data, 40, generator=torch.Generator().manual_seed(17), seed=1).value
    second = student.call("rate_encode", data, 40, generator=torch.Generator().manual_seed(17), seed=2).value
    assert_tensor(first, what="spikes", shape=(40, 50), dtype=torch.float32, context=context)
    assert_equal(
        second,
        first,
        what="spikes of the second call",
        context=f"{context}, both calls with generator=torch.Generator().manual_seed(17) and different global seeds",
    )

    other = student.call("rate_encode", data, 40, generator=torch.Generator().manual_seed(18), seed=1).value
    assert not torch.equal(other, first), (
        f"generators seeded with 17 and 18 gave the same spikes ({context}); draw the random numbers "
        "from the generator argument, for example torch.bernoulli(p, generator=generator)"
    )


@pytest.mark.points(1)
def test_rate_uses_global_generator_by_default(student):
    """Without a generator rate_encode draws from torch's global generator, so torch.manual_seed fixes the spikes.

    The engine seeds torch's global generator before every call. A correct
    submission never fails the first check. It fails the second only if two global
    seeds give the same 2,000 draws with p = 0.5, with probability 2^-2000.
    """
    data = torch.full((50,), 0.5)
    context = "data=0.5 for 50 elements, num_steps=40, generator=None"

    first = student.call("rate_encode", data, 40, seed=3).value
    second = student.call("rate_encode", data, 40, seed=3).value
    assert_tensor(first, what="spikes", shape=(40, 50), dtype=torch.float32, context=context)
    assert_equal(second, first, what="spikes of the second call", context=f"{context}, both calls after torch.manual_seed(3)")

    other = student.call("rate_encode", data, 40, seed=4).value
    assert not torch.equal(other, first), (
        f"torch.manual_seed(3) and torch.manual_seed(4) gave the same spikes ({context}); with "
        "generator=None, draw from torch's global generator instead of a generator of your own"
    )


@pytest.mark.points(1)
def test_rate_rejects_invalid_num_steps(student):
    """num_steps below 1 raises ValueError naming the value."""
    for num_steps in (0, -2):
        call = f"rate_encode(torch.full((3,), 0.5), num_steps={num_steps})"
        with raises_in_student_code("ValueError", call=call) as raised:
            student.rate_encode(torch.full((3,), 0.5), num_steps)

        assert str(num_steps) in raised.message, (
            f"the ValueError message of {call} should contain the value {num_steps}. Got: {raised.message}"
        )
