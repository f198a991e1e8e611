"""The assignments the grader can grade: id, the student's module, and forbidden shortcuts.

A project test checks that every id here has a reference in `solutions/`, generated
stubs in `assignments/` and suites in `autograder/suites/`, and the other way round.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path

from autograder.errors import UserError


#: Folder of the student template that contains one subfolder per assignment.
TEMPLATE_FOLDER = "assignments"


@dataclass(frozen=True)
class Assignment:
    """One assignment: a folder with one Python module that students edit."""

    id: str
    title: str
    module: str
    """Name of the module students edit, without `.py`; it lives in the folder named `id`."""
    delegation: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """For each function, the snnTorch classes or functions it must not call."""

    @property
    def relative_file(self) -> Path:
        return Path(self.id) / f"{self.module}.py"


ASSIGNMENTS: dict[str, Assignment] = {
    assignment.id: assignment
    for assignment in [
        Assignment(
            id="a1_lif",
            title="Leaky integrate-and-fire neuron",
            module="lif",
            delegation={
                "leaky_step": ("snntorch.Leaky",),
                "simulate_leaky": ("snntorch.Leaky",),
                "lapicque_step": ("snntorch.Lapicque",),
            },
        ),
        Assignment(
            id="a2_encoding",
            title="Spike encoding: rate, latency and delta codes",
            module="encoding",
            delegation={
                "rate_encode": ("snntorch.spikegen.rate", "snntorch.spikegen.rate_conv"),
                "latency_encode": (
                    "snntorch.spikegen.latency",
                    "snntorch.spikegen.latency_code",
                    "snntorch.spikegen.latency_code_linear",
                    "snntorch.spikegen.latency_code_log",
                ),
                "delta_encode": ("snntorch.spikegen.delta",),
            },
        ),
        Assignment(
            id="a3_training",
            title="Surrogate-gradient training of a spiking MLP on MNIST",
            module="training",
            delegation={
                "FastSigmoid": ("snntorch.surrogate.FastSigmoid", "snntorch.surrogate.fast_sigmoid"),
                "fast_sigmoid": ("snntorch.surrogate.FastSigmoid", "snntorch.surrogate.fast_sigmoid"),
                "SpikingMLP": ("snntorch.surrogate.FastSigmoid", "snntorch.surrogate.fast_sigmoid"),
            },
        ),
    ]
}


def get_assignment(assignment_id: str) -> Assignment:
    """Return the assignment with this id, or raise UserError naming the known ids."""
    try:
        return ASSIGNMENTS[assignment_id]
    except KeyError:
        close = difflib.get_close_matches(assignment_id, ASSIGNMENTS, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        known = ", ".join(ASSIGNMENTS)
        raise UserError(f"unknown assignment {assignment_id!r}: {hint}known assignments are {known}") from None


def submission_root(folder: Path) -> Path:
    """Return the folder that contains the assignment folders of a submission.

    That is `folder` itself when a student file lies directly below it, or its
    `assignments/` when `folder` is the root of a student repository made from the
    template. Otherwise it is `folder`, so the caller reports what is missing there.
    """
    if any((folder / assignment.relative_file).is_file() for assignment in ASSIGNMENTS.values()):
        return folder
    nested = folder / TEMPLATE_FOLDER
    if any((nested / assignment.relative_file).is_file() for assignment in ASSIGNMENTS.values()):
        return nested
    return folder
