"""Errors that end a command with one line for the user instead of a traceback."""


class UserError(Exception):
    """Invalid input from the person running a command: a missing folder, an unknown id.

    The message is one line that names the value and says how to fix it.
    """


class GraderError(Exception):
    """A fault in the grader or its suites, not in the submission being graded."""
