"""Views of the results document: terminal table, JSON, Markdown feedback, Gradescope."""

from __future__ import annotations

from autograder.reporters.gradescope import render_gradescope
from autograder.reporters.jsondoc import render_json
from autograder.reporters.markdown import render_markdown
from autograder.reporters.table import render_table

RENDERERS = {
    "table": render_table,
    "json": render_json,
    "markdown": render_markdown,
    "gradescope": render_gradescope,
}

__all__ = ["RENDERERS", "render_gradescope", "render_json", "render_markdown", "render_table"]
