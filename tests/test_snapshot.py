"""Does the batch copy of a submission keep its regular files and nothing that points outside it?"""

from __future__ import annotations

import io
import os
import tarfile
from pathlib import Path

import pytest

from batch_helpers import git
from autograder.batch import snapshot
from autograder.batch.snapshot import Source, export


def add_member(tar: tarfile.TarFile, name: str, content: bytes = b"", kind: bytes = tarfile.REGTYPE, link: str = "") -> None:
    member = tarfile.TarInfo(name)
    member.type = kind
    member.size = len(content) if kind == tarfile.REGTYPE else 0
    member.linkname = link
    tar.addfile(member, io.BytesIO(content) if kind == tarfile.REGTYPE else None)


def test_export_skips_links_and_large_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(snapshot, "MAX_FILE_BYTES", 100)
    repository = tmp_path / "repository"
    (repository / "a1_lif").mkdir(parents=True)
    (repository / "a1_lif" / "lif.py").write_text("BETA = 0.9\n", encoding="utf-8")
    (repository / "a1_lif" / "weights.bin").write_bytes(b"0" * 101)
    os.symlink("/etc/passwd", repository / "a1_lif" / "passwd")
    git(repository, "init", "--quiet")
    git(repository, "add", "--all")
    git(repository, "commit", "--quiet", "--message", "Add the LIF neuron")
    commit = git(repository, "rev-parse", "HEAD")
    source = Source(kind="git", folder=repository, layout="", present=["a1_lif"], commit=commit, paths=["a1_lif"])

    destination = tmp_path / "graded"
    destination.mkdir()

    root, skipped = export(source, destination)

    assert (root / "a1_lif" / "lif.py").read_text(encoding="utf-8") == "BETA = 0.9\n"
    assert not (root / "a1_lif" / "passwd").exists()
    assert not (root / "a1_lif" / "passwd").is_symlink()
    assert not (root / "a1_lif" / "weights.bin").exists()
    assert skipped == ["a1_lif/weights.bin"]


def test_extraction_skips_escaping_names(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        add_member(tar, "a1_lif", kind=tarfile.DIRTYPE)
        add_member(tar, "a1_lif/lif.py", b"BETA = 0.9\n")
        add_member(tar, "../escaped.py", b"outside\n")
        add_member(tar, "a1_lif/../../escaped_too.py", b"outside\n")
        add_member(tar, "/tmp/absolute.py", b"outside\n")
        add_member(tar, "a1_lif/hard", kind=tarfile.LNKTYPE, link="/etc/passwd")
        add_member(tar, "a1_lif/fifo", kind=tarfile.FIFOTYPE)
    checkout = tmp_path / "graded" / "checkout"
    checkout.mkdir(parents=True)
    skipped: list[str] = []

    with tarfile.open(fileobj=io.BytesIO(buffer.getvalue()), mode="r:") as tar:
        snapshot._extract_regular(tar, checkout, skipped)

    written = sorted(path.relative_to(tmp_path).as_posix() for path in tmp_path.rglob("*"))
    assert written == ["graded", "graded/checkout", "graded/checkout/a1_lif", "graded/checkout/a1_lif/lif.py"]
    assert skipped == []
