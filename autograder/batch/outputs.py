"""The names in a batch's output folder, and how to recognise such a folder."""

from __future__ import annotations

from pathlib import Path

RESULTS_FOLDER = "results"
GRADES_FILE = "grades.csv"
MANIFEST_FILE = "manifest.json"
FEEDBACK_FOLDER = "feedback"
SUMMARY_FILE = "summary.md"
PLOTS_FOLDER = "plots"


def is_batch_output(folder: Path) -> bool:
    """Return whether `folder` is the output folder of a batch: stored results beside a gradebook or a manifest."""
    if (folder / ".git").exists() or not (folder / RESULTS_FOLDER).is_dir():
        return False
    return (folder / GRADES_FILE).is_file() or (folder / MANIFEST_FILE).is_file()
