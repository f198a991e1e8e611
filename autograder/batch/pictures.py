"""Draw each failed record over time next to the expected one, for a student's feedback.

A failed test whose result carries a comparison (see `TraceComparison`) gets one PNG:
a membrane trace as two lines, spikes as two rasters, with the earliest mismatching
step marked. Figures are drawn with matplotlib's Agg canvas, so no display is needed.
"""

from __future__ import annotations

import logging
import math
import re
from pathlib import Path
from typing import TYPE_CHECKING

from autograder.results import TestResult, TraceComparison, decode_number

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

log = logging.getLogger(__name__)

PICTURE_DPI = 100
EXPECTED_COLOR = "#8fa8d6"
SUBMISSION_COLOR = "#c44e52"
MISMATCH_COLOR = "0.35"


def picture_name(test_id: str) -> str:
    """Return the file name of a test's picture: its id without the visibility, in safe characters.

    `public/a1_lif/test_simulate.py::test_simulate_constant_input` becomes
    `a1_lif-test_simulate-test_simulate_constant_input.png`.
    """
    _, _, path = test_id.partition("/")
    stem = re.sub(r"[^A-Za-z0-9_.]+", "-", path.replace(".py::", "-")).strip("-.")
    return f"{stem or 'test'}.png"


def record_slice(comparison: TraceComparison) -> str:
    """Return how the first differing neuron's record is indexed, e.g. `mem_rec[:, 1, 7]`, or `spikes` for a 1-D record."""
    index = [str(i) for i in comparison.neurons[comparison.neuron]]
    if not index:
        return comparison.what
    index.insert(comparison.time_axis, ":")
    return f"{comparison.what}[{', '.join(index)}]"


def _format_value(value: float) -> str:
    return f"{value:.6g}"


def _mark_step(axes: "Axes", step: int, label: str | None, right_half: bool) -> None:
    """Draw a dotted line at `step` with `label` at its top, on the side with more room."""
    axes.axvline(step, color=MISMATCH_COLOR, linestyle=":", linewidth=1.2)
    if label is not None:
        axes.annotate(
            label,
            xy=(step, 1.0),
            xycoords=("data", "axes fraction"),
            xytext=(-4 if right_half else 4, -12),
            textcoords="offset points",
            horizontalalignment="right" if right_half else "left",
            fontsize=8,
            color=MISMATCH_COLOR,
            bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none"},
        )


def _finite(values: list[float]) -> list[float]:
    """Return `values` with infinities as NaN, which matplotlib leaves out of lines and limits."""
    return [value if math.isfinite(value) else math.nan for value in values]


def _plot_trace(comparison: TraceComparison, actual: list[list[float]], expected: list[list[float]]) -> "Figure":
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    figure = Figure(figsize=(6.4, 3.2), layout="constrained")
    axes = figure.add_subplot()
    steps = range(comparison.first_step, comparison.first_step + len(expected[0]))
    submitted, reference = actual[comparison.neuron], expected[comparison.neuron]
    axes.plot(steps, _finite(reference), color=EXPECTED_COLOR, linewidth=2.5, marker="o", markersize=4, label="expected")
    axes.plot(steps, _finite(submitted), color=SUBMISSION_COLOR, linewidth=1.2, linestyle="--", marker=".", label="your submission")
    offset = comparison.step - comparison.first_step
    label = f"step {comparison.step}: expected {_format_value(reference[offset])}, got {_format_value(submitted[offset])}"
    _mark_step(axes, comparison.step, label, right_half=offset > (len(steps) - 1) / 2)
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_xlabel("time step")
    axes.set_ylabel(comparison.what)
    axes.set_title(f"{record_slice(comparison)}: first mismatch at step {comparison.step}", fontsize=10)
    axes.legend(loc="lower right", fontsize=8)
    return figure


def _raster(axes: "Axes", rows: list[list[float]], first_step: int) -> None:
    """Draw one raster: a bar per nonzero value, red for negative (off) spikes, a cross for NaN."""
    markers = {
        "on": ([], [], "|", "black", "_nolegend_"),
        "off": ([], [], "|", SUBMISSION_COLOR, "off spike (-1)"),
        "nan": ([], [], "x", MISMATCH_COLOR, "NaN"),
    }
    for row, values in enumerate(rows):
        for offset, value in enumerate(values):
            if math.isnan(value):
                kind = "nan"
            elif value == 0:
                continue
            else:
                kind = "on" if value > 0 else "off"
            markers[kind][0].append(first_step + offset)
            markers[kind][1].append(row)
    for steps, neurons, marker, color, label in markers.values():
        if steps:
            axes.scatter(steps, neurons, marker=marker, color=color, s=120 if marker == "|" else 30, linewidths=1.5, label=label)


def _plot_spikes(comparison: TraceComparison, actual: list[list[float]], expected: list[list[float]]) -> "Figure":
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    rows = len(expected)
    figure = Figure(figsize=(6.4, 1.4 + 2 * (0.5 + 0.18 * rows)), layout="constrained")
    submitted_axes, expected_axes = figure.subplots(2, 1, sharex=True)
    _raster(submitted_axes, actual, comparison.first_step)
    _raster(expected_axes, expected, comparison.first_step)
    differing = [
        (comparison.first_step + offset, row)
        for row in range(rows)
        for offset, (got, want) in enumerate(zip(actual[row], expected[row]))
        if got != want
    ]
    submitted_axes.scatter(
        [step for step, _ in differing],
        [row for _, row in differing],
        marker="s",
        s=140 if len(expected[0]) <= 20 else 40,
        facecolors="none",
        edgecolors=SUBMISSION_COLOR,
        linewidths=1.0,
        label="differs",
    )
    labels = [", ".join(str(i) for i in index) for index in comparison.neurons]
    last_step = comparison.first_step + len(expected[0]) - 1
    for axes, title in ((submitted_axes, "your submission"), (expected_axes, "expected")):
        label = f"first mismatch: step {comparison.step}" if axes is submitted_axes else None
        _mark_step(axes, comparison.step, label, right_half=comparison.step - comparison.first_step > (len(expected[0]) - 1) / 2)
        axes.set_yticks(range(rows), labels, fontsize=7 if rows > 4 else 8)
        axes.set_ylim(rows - 0.5, -0.5)
        axes.set_xlim(comparison.first_step - 0.5, last_step + 0.5)
        axes.set_ylabel("neuron" if any(labels) else "")
        axes.set_title(title, fontsize=9, loc="left")
        if axes.get_legend_handles_labels()[0]:
            axes.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=7)
    expected_axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    expected_axes.set_xlabel("time step")
    figure.suptitle(f"{record_slice(comparison)}: first mismatch at step {comparison.step}", fontsize=10)
    return figure


def plot_comparison(path: Path, comparison: TraceComparison) -> None:
    """Draw the submission's record and the expected one into the PNG file `path`."""
    actual = [[decode_number(value) for value in row] for row in comparison.actual]
    expected = [[decode_number(value) for value in row] for row in comparison.expected]
    plot = _plot_trace if comparison.kind == "trace" else _plot_spikes
    plot(comparison, actual, expected).savefig(path, dpi=PICTURE_DPI)


def write_pictures(folder: Path, tests: list[TestResult]) -> dict[str, str]:
    """Draw a picture into `folder` for each failed test with a comparison; return the file names by test id.

    Pictures of an earlier run are deleted first, and the folder as well when no test
    needs one. A comparison that does not load (an edited results file) gets no
    picture and a warning.
    """
    for old in folder.glob("*.png"):
        old.unlink()
    names: dict[str, str] = {}
    for test in tests:
        if test.status == "passed" or test.comparison is None:
            continue
        try:
            comparison = TraceComparison.from_dict(test.comparison)
        except (TypeError, ValueError) as exc:
            log.warning("no picture for %s in %s: invalid comparison: %s", test.id, folder, exc)
            continue
        stem = picture_name(test.id).removesuffix(".png")
        name, suffix = f"{stem}.png", 2
        while name in names.values():  # Two ids that differ only in unsafe characters.
            name = f"{stem}-{suffix}.png"
            suffix += 1
        folder.mkdir(parents=True, exist_ok=True)
        plot_comparison(folder / name, comparison)
        names[test.id] = name
    if folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()
    return names
