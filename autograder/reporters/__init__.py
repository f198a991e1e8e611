"""Views of the results document: a terminal table and JSON."""

from __future__ import annotations

from autograder.reporters.jsondoc import render_json
from autograder.reporters.table import render_table

RENDERERS = {
    "table": render_table,
    "json": render_json,
}

__all__ = ["RENDERERS", "render_json", "render_table"]
