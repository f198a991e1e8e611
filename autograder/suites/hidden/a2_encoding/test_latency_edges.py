"""Hidden tests for latency_encode at 0, 1 and the threshold, on rounding ties and on invalid input."""


import pytest
import torch

from autograder.checks import raises_in_student_code
from autograder.suites.hidden.a2_encoding import oracle


#: (linear, normalize, num_steps, tau, threshold) of the hand-built cases. The
#: thresholds are exact in binary floating point, so inputs equal to them or to a
#: fraction of them are exact too. For the inputs the tests below use, every
#: spike time lies at least 0.05 from a rounding boundary k + 0.5 in both dtypes.
#: The log code's saturated time τ ln((θ + ε) / ε) depends on the dtype, as
#: latency_encode's docstring explains, and the oracle computes it in the dtype
#: of the input.
EDGE_CASES = [
    (False, False, 16, 1.0, 0.25),
    (False, False, 48, 3.0, 0.5),
    (False, True, 10, 1.0, 0.125),
    (True, False, 7, 6.0, 0.5),
    (True, False, 9, 8.0, 0.25),
    (True, True, 9, 1.0, 0.25),
]


def _options(linear, normalize, tau, threshold, clip=False):
    return dict(tau=tau, threshold=threshold, linear=linear, normalize=normalize, clip=clip)


def _context(data, num_steps, dtype, options):
    settings = ", ".join(f"{key}={value}" for key, value in options.items())
    return f"data={data}, num_steps={num_steps}, {settings}, dtype {dtype}"


def _check_edge_inputs(student, values_of, clip=False):
    """Run every EDGE_CASES case in both dtypes on the inputs `values_of(threshold)`."""
    for dtype in oracle.DTYPES:
        for linear, normalize, num_steps, tau, threshold in EDGE_CASES:
            values = values_of(threshold)
            data = torch.tensor(values, dtype=dtype)
            options = _options(linear, normalize, tau, threshold, clip)

            spikes = student.latency_encode(data, num_steps, **options)
            oracle.check_latency(spikes, data, num_steps, _context(values, num_steps, dtype, options), **options)


@pytest.mark.points(1)
def test_zero_and_one_inputs(student):
    """An input of 1 fires first and an input of 0 fires at the latest time, in every code."""
    _check_edge_inputs(student, lambda threshold: [0.0, 1.0, 0.7])


@pytest.mark.points(1)
def test_input_at_threshold_fires(student):
    """An input exactly at the threshold fires, with and without clip, at the code's latest time."""
    _check_edge_inputs(student, lambda threshold: [threshold, 1.0])
    _check_edge_inputs(student, lambda threshold: [threshold, 1.0], clip=True)


@pytest.mark.points(1)
def test_below_threshold_log_code_saturates(student):
    """In the log code every input below the threshold fires at the time of threshold + epsilon."""
    for dtype in oracle.DTYPES:
        for _, normalize, num_steps, tau, threshold in [case for case in EDGE_CASES if not case[0]]:
            values = [threshold / 2, threshold / 4, 0.75 * threshold, 1.0]
            data = torch.tensor(values, dtype=dtype)
            options = _options(False, normalize, tau, threshold)

            spikes = student.latency_encode(data, num_steps, **options)
            oracle.check_latency(spikes, data, num_steps, _context(values, num_steps, dtype, options), **options)


@pytest.mark.points(1)
def test_below_threshold_linear_code_clamped(student):
    """In the linear code inputs below the threshold fire at tau (1 - threshold), not at tau."""
    for dtype in oracle.DTYPES:
        for _, normalize, num_steps, tau, threshold in [case for case in EDGE_CASES if case[0]]:
            values = [0.0, threshold / 2, 1.0]
            data = torch.tensor(values, dtype=dtype)
            options = _options(True, normalize, tau, threshold)

            spikes = student.latency_encode(data, num_steps, **options)
            oracle.check_latency(spikes, data, num_steps, _context(values, num_steps, dtype, options), **options)


@pytest.mark.points(1)
def test_below_threshold_clipped(student):
    """With clip=True inputs below the threshold stay silent and the others still fire."""
    _check_edge_inputs(student, lambda threshold: [0.0, threshold / 2, threshold, 1.0], clip=True)


#: (values, num_steps, tau, normalize) whose linear-code times are exact halves:
#: 4 (1 - x) = 0.5, 1.5, 2.5, 3.5 and 10 (1 - x) = 2.5, 7.5, 5.0.
TIE_CASES = [
    ([0.875, 0.625, 0.375, 0.125], 5, 4.0, False),
    ([0.875, 0.625, 0.375, 0.125], 5, 1.0, True),
    ([0.75, 0.25, 0.5], 11, 10.0, False),
    ([0.75, 0.25, 0.5], 11, 1.0, True),
]


@pytest.mark.points(1)
def test_rounding_ties_to_even(student):
    """A spike time exactly halfway between two steps rounds to the even step, as torch.round does."""
    for dtype in oracle.DTYPES:
        for values, num_steps, tau, normalize in TIE_CASES:
            data = torch.tensor(values, dtype=dtype)
            options = _options(True, normalize, tau, 0.01)

            spikes = student.latency_encode(data, num_steps, **options)
            oracle.check_latency(spikes, data, num_steps, _context(values, num_steps, dtype, options), **options)


@pytest.mark.points(1)
def test_rejects_data_outside_unit_interval(student):
    """Inputs below 0 or above 1 raise ValueError naming the offending value."""
    for values, bad in [([0.5, -0.25], "-0.25"), ([1.5, 0.25], "1.5")]:
        call = f"latency_encode(torch.tensor({values}), num_steps=20)"
        with raises_in_student_code("ValueError", call=call) as raised:
            student.latency_encode(torch.tensor(values), 20)

        assert bad in raised.message, f"the ValueError message of {call} should contain the value {bad}. Got: {raised.message}"


@pytest.mark.points(1)
def test_rejects_invalid_parameters(student):
    """num_steps below 1, tau of 0 or below and thresholds outside (0, 1) raise ValueError naming the value."""
    data = torch.tensor([0.5, 1.0])
    for name, value in [
        ("num_steps", 0),
        ("num_steps", -3),
        ("tau", 0.0),
        ("tau", -1.0),
        ("threshold", 0.0),
        ("threshold", 1.0),
        ("threshold", 1.5),
    ]:
        arguments = {"num_steps": 20, name: value}
        call = "latency_encode(torch.tensor([0.5, 1.0]), " + ", ".join(f"{k}={v}" for k, v in arguments.items()) + ")"
        with raises_in_student_code("ValueError", call=call) as raised:
            student.latency_encode(data, **arguments)

        assert str(value) in raised.message, (
            f"the ValueError message of {call} should contain the invalid value {value}. Got: {raised.message}"
        )


#: (values, num_steps, options) whose latest spike falls after the last step.
LATE_CASES = [
    ([0.0, 1.0], 5, dict(tau=1.0, threshold=0.01)),
    ([1.0, 0.0], 5, dict(tau=10.0, threshold=0.3, linear=True)),
]


@pytest.mark.points(1)
def test_rejects_late_spikes(student):
    """A spike time that rounds past the last step raises ValueError that suggests normalize=True."""
    for values, num_steps, options in LATE_CASES:
        call = f"latency_encode(torch.tensor({values}), num_steps={num_steps}, " + ", ".join(
            f"{key}={value}" for key, value in options.items()
        ) + ")"
        with raises_in_student_code("ValueError", call=call) as raised:
            student.latency_encode(torch.tensor(values), num_steps, **options)

        assert "normalize" in raised.message, (
            f"the ValueError message of {call} should suggest normalize=True as a fix. Got: {raised.message}"
        )


@pytest.mark.points(1)
def test_late_spike_raises_even_with_clip(student):
    """A late spike raises ValueError even when clip=True would remove it, as in spikegen.latency."""
    for values, num_steps, options in LATE_CASES:
        call = f"latency_encode(torch.tensor({values}), num_steps={num_steps}, clip=True, " + ", ".join(
            f"{key}={value}" for key, value in options.items()
        ) + ")"
        with raises_in_student_code("ValueError", call=call):
            student.latency_encode(torch.tensor(values), num_steps, clip=True, **options)
