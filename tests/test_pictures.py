"""Does batch feedback draw one small, valid picture per failed record, and nothing else?"""

from __future__ import annotations

import logging
from dataclasses import asdict
from pathlib import Path
from typing import Callable

import pytest
import torch

from autograder.batch.pictures import picture_name, record_slice, write_pictures
from autograder.checks import TensorMismatch, assert_close, assert_equal
from autograder.results import TestResult, TraceComparison
from batch_helpers import assert_small_png

TRACE_ID = "public/a1_lif/test_simulate.py::test_simulate_constant_input"
RASTER_ID = "public/a2_encoding/test_latency.py::test_log_code_values[torch.float32]"


def failed_test(test_id: str, check: Callable[..., None], actual: torch.Tensor, expected: torch.Tensor, what: str) -> TestResult:
    """Return the failed result that the plugin records when `check` rejects `actual`."""
    with pytest.raises(TensorMismatch) as info:
        check(actual, expected, what=what, time_axis=0)
    assert info.value.comparison is not None
    return TestResult(test_id, "title", 0, 1, "failed", str(info.value), "public", 0.1, asdict(info.value.comparison))


def trace_test() -> TestResult:
    expected = torch.tensor([[0.75, 0.0], [1.125, 0.0], [0.3125, 0.0], [0.90625, 0.0]])
    actual = expected.clone()
    actual[2:, 0] = torch.tensor([0.8125, float("inf")])
    return failed_test(TRACE_ID, assert_close, actual, expected, "mem_rec")


def raster_test() -> TestResult:
    expected = torch.zeros(8, 3)
    expected[1, 0] = expected[3, 1] = expected[7, 2] = 1.0
    actual = expected.clone()
    actual[3, 1], actual[2, 1] = 0.0, 1.0
    actual[5, 2] = float("nan")
    return failed_test(RASTER_ID, assert_equal, actual, expected, "spikes")


def test_picture_names_drop_visibility() -> None:
    assert picture_name(TRACE_ID) == "a1_lif-test_simulate-test_simulate_constant_input.png"
    assert picture_name(RASTER_ID) == "a2_encoding-test_latency-test_log_code_values-torch.float32.png"
    assert picture_name("public/a1_lif/test_a.py::test_b[x y/z]") == "a1_lif-test_a-test_b-x-y-z.png"


def test_record_slice_names_the_neuron() -> None:
    comparison = TraceComparison.from_dict(trace_test().comparison or {})
    assert record_slice(comparison) == "mem_rec[:, 0]"
    one_dimensional = failed_test(RASTER_ID, assert_equal, torch.tensor([1.0, 0.0]), torch.tensor([1.0, -1.0]), "spikes")
    assert record_slice(TraceComparison.from_dict(one_dimensional.comparison or {})) == "spikes"


def test_trace_and_raster_are_drawn(tmp_path: Path) -> None:
    tests = [trace_test(), raster_test()]
    names = write_pictures(tmp_path / "carol", tests)
    assert names == {TRACE_ID: picture_name(TRACE_ID), RASTER_ID: picture_name(RASTER_ID)}
    for name in names.values():
        assert_small_png(tmp_path / "carol" / name)


def test_only_failed_tests_with_comparison_are_drawn(tmp_path: Path) -> None:
    passed = TestResult("public/a1_lif/test_a.py::test_ok", "ok", 1, 1, "passed", "", "public", 0.1)
    no_comparison = TestResult("public/a1_lif/test_a.py::test_scalar", "scalar", 0, 1, "failed", "x differs", "public", 0.1)
    assert write_pictures(tmp_path / "dave", [passed, no_comparison]) == {}
    assert not (tmp_path / "dave").exists()


def test_earlier_pictures_are_removed(tmp_path: Path) -> None:
    folder = tmp_path / "erin"
    write_pictures(folder, [trace_test(), raster_test()])
    assert write_pictures(folder, [raster_test()]) == {RASTER_ID: picture_name(RASTER_ID)}
    assert [path.name for path in folder.iterdir()] == [picture_name(RASTER_ID)]
    write_pictures(folder, [])
    assert not folder.exists()


def test_colliding_names_get_a_suffix(tmp_path: Path) -> None:
    first, second = trace_test(), trace_test()
    first.id, second.id = f"{TRACE_ID}[a b]", f"{TRACE_ID}[a-b]"
    names = write_pictures(tmp_path / "finn", [first, second])
    stem = picture_name(first.id).removesuffix(".png")
    assert names == {first.id: f"{stem}.png", second.id: f"{stem}-2.png"}


def test_invalid_comparison_is_skipped(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    broken = trace_test()
    assert broken.comparison is not None
    broken.comparison["step"] = 99
    with caplog.at_level(logging.WARNING, logger="autograder.batch.pictures"):
        assert write_pictures(tmp_path / "gina", [broken, raster_test()]) == {RASTER_ID: picture_name(RASTER_ID)}
    assert f"no picture for {TRACE_ID}" in caplog.text
