"""Grader code that runs inside the worker and drives the student's module.

Each harness function takes the student's module as its first argument and returns
plain data. It runs next to untrusted code, so the grader checks what it returns and
never trusts it beyond that.
"""
