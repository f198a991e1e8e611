"""Do the suites' assertion helpers report the first mismatch precisely?"""

from __future__ import annotations

import json
import math
from dataclasses import asdict

import pytest
import torch

from autograder.checks import (
    MAX_COMPARISON_NEURONS,
    MAX_COMPARISON_STEPS,
    TensorMismatch,
    assert_close,
    assert_equal,
    assert_tensor,
    tolerance_for,
)
from autograder.results import TraceComparison


def test_close_values_pass() -> None:
    expected = torch.tensor([1.0, 2.0, 3.0])
    assert_close(expected + 1e-7, expected, what="mem")


def test_first_mismatch_is_named_with_both_values() -> None:
    expected = torch.zeros(2, 3)
    actual = expected.clone()
    actual[1, 2] = 0.5
    actual[1, 0] = 0.25
    with pytest.raises(AssertionError) as info:
        assert_close(actual, expected, what="mem", context="beta=0.5")
    message = str(info.value)
    assert "index (1, 0)" in message
    assert "expected 0, got 0.25" in message
    assert "2 of 6 elements differ" in message
    assert "beta=0.5" in message


def test_nan_in_both_counts_as_equal() -> None:
    expected = torch.tensor([math.nan, 1.0])
    assert_close(expected.clone(), expected, what="x")


def test_nan_in_actual_only_is_a_mismatch() -> None:
    with pytest.raises(AssertionError, match="index \\(0,\\)"):
        assert_close(torch.tensor([math.nan]), torch.tensor([1.0]), what="x")


def test_shape_mismatch_message() -> None:
    with pytest.raises(AssertionError, match=r"spk has shape \(3,\), expected \(2,\)"):
        assert_equal(torch.zeros(3), torch.zeros(2), what="spk")


def test_dtype_mismatch_message() -> None:
    with pytest.raises(AssertionError, match="dtype torch.float32, expected torch.float64"):
        assert_close(torch.zeros(2), torch.zeros(2, dtype=torch.float64), what="mem")


def test_non_tensor_is_named() -> None:
    with pytest.raises(AssertionError, match="should be a torch.Tensor, got list"):
        assert_tensor([1, 2], what="spk")


def test_exact_check_rejects_tiny_difference() -> None:
    with pytest.raises(AssertionError):
        assert_equal(torch.tensor([1.0 + 1e-6]), torch.tensor([1.0]), what="spk")


def test_integer_dtypes_are_compared_exactly() -> None:
    assert tolerance_for(torch.int64).atol == 0.0
    assert tolerance_for(torch.float64).rtol < tolerance_for(torch.float32).rtol


def test_mismatch_without_time_axis_has_no_comparison() -> None:
    with pytest.raises(TensorMismatch) as info:
        assert_close(torch.tensor([1.0, 2.0]), torch.tensor([1.0, 3.0]), what="mem")
    assert info.value.comparison is None


def test_membrane_record_keeps_first_differing_neuron() -> None:
    expected = torch.linspace(0.0, 1.0, 60).reshape(5, 4, 3)
    actual = expected.clone()
    actual[3, 0, 1] = 7.0
    actual[2, 3, 2] = 9.0  # The earliest step, though later in the neuron order.
    with pytest.raises(TensorMismatch) as info:
        assert_close(actual, expected, what="mem_rec", time_axis=0)
    assert "index (2, 3, 2)" in str(info.value)
    comparison = info.value.comparison
    assert comparison is not None
    assert comparison.kind == "trace"
    assert comparison.shape == [5, 4, 3]
    assert (comparison.step, comparison.first_step) == (2, 0)
    assert comparison.neurons == [[3, 2]]
    assert comparison.neuron == 0
    assert comparison.actual[0][2] == 9.0
    assert comparison.expected[0] == pytest.approx(expected[:, 3, 2].tolist(), rel=1e-5)


def test_time_last_record_finds_earliest_step() -> None:
    expected = torch.zeros(2, 10)
    actual = expected.clone()
    actual[0, 8] = 1.0
    actual[1, 4] = 1.0
    with pytest.raises(TensorMismatch) as info:
        assert_equal(actual, expected, what="spikes", time_axis=-1)
    comparison = info.value.comparison
    assert comparison is not None
    assert comparison.time_axis == 1
    assert comparison.step == 4
    assert comparison.neurons[comparison.neuron] == [1]


def test_spike_raster_is_capped_around_mismatch() -> None:
    expected = torch.zeros(500, 40)
    expected[::7, ::3] = 1.0
    actual = expected.clone()
    actual[300, 39] = -1.0
    with pytest.raises(TensorMismatch) as info:
        assert_equal(actual, expected, what="spikes", time_axis=0)
    comparison = info.value.comparison
    assert comparison is not None
    assert comparison.kind == "spikes"
    assert len(comparison.neurons) == MAX_COMPARISON_NEURONS
    assert comparison.neurons[comparison.neuron] == [39]
    assert all(len(row) == MAX_COMPARISON_STEPS for row in comparison.actual + comparison.expected)
    assert comparison.first_step <= 300 < comparison.first_step + MAX_COMPARISON_STEPS
    assert comparison.actual[comparison.neuron][300 - comparison.first_step] == -1.0


def test_close_check_of_binary_values_is_a_trace() -> None:
    with pytest.raises(TensorMismatch) as info:
        assert_close(torch.tensor([0.0, 1.0, 1.0]), torch.tensor([0.0, 1.0, 0.0]), what="mem_rec", time_axis=0)
    assert info.value.comparison is not None
    assert info.value.comparison.kind == "trace"


def test_non_finite_values_survive_json() -> None:
    expected = torch.tensor([0.5, 0.25, 0.125, 0.0625])
    actual = torch.tensor([0.5, math.nan, math.inf, -math.inf])
    with pytest.raises(TensorMismatch) as info:
        assert_close(actual, expected, what="mem_rec", time_axis=0)
    comparison = info.value.comparison
    assert comparison is not None
    document = json.loads(json.dumps(asdict(comparison), allow_nan=False))
    assert document["actual"] == [[0.5, "nan", "inf", "-inf"]]
    assert TraceComparison.from_dict(document) == comparison


def test_single_step_has_no_comparison() -> None:
    with pytest.raises(TensorMismatch) as info:
        assert_close(torch.tensor([[1.0, 2.0]]), torch.tensor([[1.0, 3.0]]), what="mem_rec", time_axis=0)
    assert info.value.comparison is None


def test_time_axis_out_of_range_is_rejected() -> None:
    with pytest.raises(ValueError, match=r"time_axis=1 is out of range for mem of shape \(3,\)"):
        assert_close(torch.zeros(3), torch.zeros(3), what="mem", time_axis=1)
