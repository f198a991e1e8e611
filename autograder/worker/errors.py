"""Exceptions the grader raises inside a test when a call into student code goes wrong.

The grading plugin turns each of them into a test status and a message for the student.
"""

from __future__ import annotations


class CallFailed(Exception):
    """Base class: a call into the worker did not return a value.

    Attributes:
        summary: the sentence shown to the student.
        stdout: what the student's code printed during the call, possibly truncated.
    """

    status = "error"

    def __init__(self, summary: str) -> None:
        super().__init__(summary)
        self.summary = summary
        self.stdout = ""


class StudentError(CallFailed):
    """The student's code raised an exception.

    Attributes:
        function: the called function as `module.name`.
        type_name: the exception's class name, e.g. `ValueError`.
        message: the exception's message.
        traceback: the traceback, trimmed to frames in the student's files.
    """

    def __init__(self, function: str, type_name: str, message: str, traceback: str, summary: str = "") -> None:
        super().__init__(summary or f"{function} raised {type_name}: {message}")
        self.function = function
        self.type_name = type_name
        self.message = message
        self.traceback = traceback


class ImportFailed(StudentError):
    """Importing the student's module failed, so no function of it could run."""


class NotImplementedYet(StudentError):
    """The student's code raised the stub's `NotImplementedError`.

    Attributes:
        missing: the function that is not implemented yet, as `module.name`.
    """

    def __init__(self, function: str, missing: str, message: str, traceback: str) -> None:
        super().__init__(function, "NotImplementedError", message, traceback, summary=f"not implemented yet: {missing}")
        self.missing = missing


class Delegated(CallFailed):
    """The function called the snnTorch code it is asked to reimplement."""

    status = "failed"

    def __init__(self, function: str, used: list[str]) -> None:
        names = ", ".join(used)
        super().__init__(
            f"{function} calls {names}, which this exercise asks you to write yourself; "
            f"tests of {function.rsplit('.', 1)[-1]} earn no points until it stops doing so"
        )
        self.function = function
        self.used = used


class CallTimeout(CallFailed):
    """The call did not return within its time limit; the worker was stopped."""

    status = "timeout"


class WorkerCrashed(CallFailed):
    """The worker process ended during the call (exit, signal, out of memory)."""


class BadReply(CallFailed):
    """The worker's reply could not be decoded, e.g. a value of an unsupported type."""


class MissingSubmission(CallFailed):
    """The submission has no file for this assignment."""
