"""A failed span's error read through the exception's chain of causes, not only its outermost wrapper.

Frameworks wrap what a tool raised in their own exception (BeeAI: ``raise ToolError("Tool Error") from e``), and
OpenTelemetry's ``record_exception`` writes only the wrapper's message in ``exception.message``; the cause
(``TimeoutError: price service timed out``) is in ``exception.stacktrace``, a Python traceback whose first block
is the innermost exception. The error keeps the wrapper's message and names the root cause beside it when the
message does not already say it.
"""

from __future__ import annotations

#: The lines Python prints between chained tracebacks (``raise ... from e``; an exception raised in an ``except``).
CHAIN_MARKERS = (
    "The above exception was the direct cause of the following exception:",
    "During handling of the above exception, another exception occurred:",
)


def root_cause(stacktrace: object) -> str | None:
    """``Type: message`` of the innermost exception of a chained Python traceback, else None."""
    if not isinstance(stacktrace, str):
        return None
    cut = min((i for i in (stacktrace.find(m) for m in CHAIN_MARKERS) if i >= 0), default=-1)
    if cut < 0:
        return None
    # The first traceback's exception is its first unindented line after "Traceback ..." (frames are indented).
    # Not its last line: a message of several lines (pydantic's ValidationError) or a note (add_note) follows it.
    for ln in stacktrace[:cut].splitlines():
        if ln.strip() and not ln[0].isspace() and not ln.startswith("Traceback "):
            return ln.strip()
    return None


def exception_error(message: object, stacktrace: object) -> object:
    """The step's error from an exception event: its message, with the root cause when the message lacks it."""
    cause = root_cause(stacktrace)
    if cause is None:
        return message
    if not isinstance(message, str) or not message:
        return cause
    said = cause.split(": ", 1)[-1]
    return message if said in message else f"{message} (caused by {cause})"
