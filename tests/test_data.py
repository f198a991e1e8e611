"""Is the bundled MNIST subset intact, stratified, and loaded the same way everywhere?"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import torch

from autograder.data import SUBSET_PATH, SubsetCorrupted, load_subset
from conftest import ROOT

sys.path.insert(0, str(ROOT / "solutions"))
from common import datasets  # noqa: E402  (the reference copy of the students' helper)


def test_subset_is_stratified_and_disjoint() -> None:
    subset = load_subset()
    train, test = subset["train"], subset["test"]
    assert train.images.shape == (4000, 28, 28)
    assert test.images.shape == (1000, 28, 28)
    assert train.images.dtype == np.uint8
    assert np.bincount(train.labels).tolist() == [400] * 10
    assert np.bincount(test.labels).tolist() == [100] * 10
    train_rows = {image.tobytes() for image in train.images}
    assert not any(image.tobytes() in train_rows for image in test.images)


def test_subset_labels_are_shuffled() -> None:
    labels = load_subset()["test"].labels
    assert len(set(labels[:50].tolist())) > 5


def test_checksum_mismatch_is_detected(tmp_path, monkeypatch) -> None:
    copy = tmp_path / "mnist_subset.npz"
    data = bytearray(SUBSET_PATH.read_bytes())
    data[len(data) // 2] ^= 0xFF
    copy.write_bytes(bytes(data))
    monkeypatch.setattr("autograder.data.SUBSET_PATH", copy)
    with pytest.raises(SubsetCorrupted, match="wrong checksum"):
        load_subset()


def test_subset_rebuilds_identically() -> None:
    result = subprocess.run([sys.executable, "-m", "autograder.data.build", "--check"], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "arrays of the committed file match" in result.stdout


def test_loader_returns_scaled_float_images() -> None:
    dataset = datasets.load_mnist("test")
    image, label = dataset[0]
    assert len(dataset) == 1000
    assert image.shape == (1, 28, 28)
    assert image.dtype == torch.float32
    assert float(image.min()) >= 0.0
    assert float(image.max()) <= 1.0
    assert label.dtype == torch.long


@pytest.mark.parametrize(("kwargs", "error"), [({"split": "val"}, "unknown split 'val'"), ({"source": "cifar"}, "unknown source 'cifar'")])
def test_loader_rejects_unknown_arguments(kwargs: dict, error: str) -> None:
    with pytest.raises(ValueError, match=error):
        datasets.load_mnist(**kwargs)


def test_loader_falls_back_to_subset_offline(tmp_path, monkeypatch, capsys) -> None:
    from torchvision import datasets as torchvision_datasets

    # A closed port on loopback: the real download code runs and fails at once.
    monkeypatch.setattr(torchvision_datasets.MNIST, "mirrors", ["http://127.0.0.1:9/"])
    dataset = datasets.load_mnist("train", source="mnist", root=tmp_path)
    assert len(dataset) == 4000
    message = capsys.readouterr().err
    assert message.startswith("could not load mnist (")
    assert message.rstrip().endswith("using the bundled 5,000-digit MNIST subset instead")
    assert len(message.strip().splitlines()) == 1
