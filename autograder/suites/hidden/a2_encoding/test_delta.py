"""Hidden tests for delta_encode against spikegen.delta on random walks and exact ties."""


import pytest
import torch

from autograder.checks import assert_equal
from autograder.suites.hidden.a2_encoding import oracle


#: (shape, threshold) of the random walks. Time is dimension 0.
WALK_CASES = [
    ((30,), 0.1),
    ((20, 4, 5), 0.3),
    ((25, 8), 1.0),
]


def _check_walks(student, dtype, seed, padding, off_spike):
    """Compare delta_encode with spikegen.delta on one random walk per case in WALK_CASES."""
    for index, (shape, threshold) in enumerate(WALK_CASES):
        data = oracle.sample_delta_data(seed + 100 * index, shape, dtype, threshold)
        context = (
            f"random walk of shape {shape} (seed {seed + 100 * index}), threshold={threshold}, "
            f"padding={padding}, off_spike={off_spike}, dtype {dtype}"
        )

        spikes = student.delta_encode(data, threshold=threshold, padding=padding, off_spike=off_spike)
        expected = oracle.delta_oracle(data, threshold, padding, off_spike)
        assert_equal(spikes, expected, what="spikes", context=context)


@pytest.mark.points(1)
def test_delta_on_spikes_match_snntorch(student):
    """Without off-spikes, delta_encode agrees with spikegen.delta on random walks."""
    _check_walks(student, torch.float32, seed=7100, padding=False, off_spike=False)


@pytest.mark.points(1)
def test_delta_off_spikes_match_snntorch(student):
    """With off_spike=True, delta_encode agrees with spikegen.delta on random walks."""
    _check_walks(student, torch.float32, seed=7200, padding=False, off_spike=True)


@pytest.mark.points(1)
def test_delta_padding_matches_snntorch(student):
    """With padding=True, delta_encode agrees with spikegen.delta, with and without off-spikes."""
    _check_walks(student, torch.float32, seed=7300, padding=True, off_spike=False)
    _check_walks(student, torch.float32, seed=7400, padding=True, off_spike=True)


@pytest.mark.points(1)
def test_delta_float64_matches_snntorch(student):
    """delta_encode agrees with spikegen.delta on float64 walks and returns float64 spikes."""
    for padding in (False, True):
        for off_spike in (False, True):
            _check_walks(student, torch.float64, seed=7500, padding=padding, off_spike=off_spike)


#: Changes of exactly ±threshold. Every value is a multiple of 1/8, so each change
#: is exact: 0.25, 0.25, -0.25, 0.0, 0.5, -0.25, -0.5 with threshold 0.25.
TIE_DATA = [0.25, 0.5, 0.25, 0.25, 0.75, 0.5, 0.0]


@pytest.mark.points(1)
def test_delta_threshold_inclusive(student):
    """A change exactly equal to +threshold gives an on-spike and -threshold an off-spike."""
    for dtype in oracle.DTYPES:
        data = torch.tensor(TIE_DATA, dtype=dtype)
        for off_spike in (False, True):
            context = f"data={TIE_DATA}, threshold=0.25, off_spike={off_spike}, dtype {dtype}"

            spikes = student.delta_encode(data, threshold=0.25, off_spike=off_spike)
            expected = oracle.delta_oracle(data, 0.25, False, off_spike)
            assert_equal(spikes, expected, what="spikes", context=context)


@pytest.mark.points(1)
def test_delta_off_spike_sign(student):
    """With off_spike=True a drop of at least the threshold gives -1, and a rise +1."""
    data = torch.tensor([1.0, 0.0, 1.0, 0.0])
    context = "data=[1.0, 0.0, 1.0, 0.0], threshold=0.5, off_spike=True"

    spikes = student.delta_encode(data, threshold=0.5, off_spike=True)
    assert_equal(spikes, torch.tensor([1.0, -1.0, 1.0, -1.0]), what="spikes", context=context)


@pytest.mark.points(1)
def test_delta_no_off_spikes_by_default(student):
    """Without off_spike a drop gives 0, not -1."""
    data = torch.tensor([1.0, 0.0, 1.0, 0.0])
    context = "data=[1.0, 0.0, 1.0, 0.0], threshold=0.5, off_spike=False"

    spikes = student.delta_encode(data, threshold=0.5)
    assert_equal(spikes, torch.tensor([1.0, 0.0, 1.0, 0.0]), what="spikes", context=context)


@pytest.mark.points(1)
def test_delta_does_not_modify_data(student):
    """delta_encode leaves its data argument unchanged for every combination of options."""
    data = oracle.sample_delta_data(7600, (12, 3), torch.float32, 0.2)
    for padding in (False, True):
        for off_spike in (False, True):
            record = student.call("delta_encode", data, threshold=0.2, padding=padding, off_spike=off_spike)
            assert record.modified_inputs == [], (
                f"delta_encode modified {', '.join(record.modified_inputs)} in place (padding={padding}, "
                f"off_spike={off_spike}); compute the changes into a new tensor, for example data - previous"
            )
