"""The results document as Gradescope's `results.json`.

Each graded test becomes one Gradescope test with `name`, `score`, `max_score`,
`output` and `visibility`. Public tests carry their message; hidden tests are listed
with their title and outcome only, the same policy as every other report.
"""

from __future__ import annotations

import json
from typing import Any

from autograder.results import GradingResults


def gradescope_document(results: GradingResults) -> dict[str, Any]:
    tests = []
    for assignment in results.assignments:
        for test in assignment.tests:
            if test.visibility == "hidden":
                output = f"Hidden test: {test.status}."
            else:
                output = test.message or f"{test.status}."
            tests.append(
                {
                    "name": f"{assignment.id}: {test.title}",
                    "score": test.score,
                    "max_score": test.max_score,
                    "status": "passed" if test.status == "passed" else "failed",
                    "output": output,
                    "visibility": "visible",
                }
            )
    flags = results.flags
    return {
        "score": results.score,
        "output": "Flags: " + "; ".join(flags) if flags else "",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": tests,
    }


def render_gradescope(results: GradingResults) -> str:
    return json.dumps(gradescope_document(results), indent=2) + "\n"
