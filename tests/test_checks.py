"""Do the suites' assertion helpers report the first mismatch precisely?"""

from __future__ import annotations

import math

import pytest
import torch

from autograder.checks import assert_close, assert_equal, assert_tensor, tolerance_for


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
