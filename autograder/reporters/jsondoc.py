"""The results document as JSON."""

from __future__ import annotations

import json

from autograder.results import GradingResults


def render_json(results: GradingResults) -> str:
    return json.dumps(results.to_dict(), indent=2, allow_nan=False) + "\n"
