"""Does `snn-grade grade --format gradescope` write the fields Gradescope reads?"""

from __future__ import annotations

import json
import subprocess

from conftest import ROOT, SNN_GRADE


def test_gradescope_document_has_required_fields() -> None:
    result = subprocess.run(
        [*SNN_GRADE, "grade", "solutions", "--assignment", "a1_lif", "--format", "gradescope"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["score"] == sum(test["score"] for test in document["tests"])
    assert document["tests"]
    for test in document["tests"]:
        assert {"name", "score", "max_score", "output", "visibility"} <= set(test)
        assert test["score"] == test["max_score"]
        assert test["visibility"] in ("visible", "hidden", "after_due_date", "after_published")
    hidden = [test for test in document["tests"] if test["output"].startswith("Hidden test:")]
    assert hidden
