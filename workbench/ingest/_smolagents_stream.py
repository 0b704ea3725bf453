"""A smolagents run streamed to its caller, read for its answer.

``agent.run(task, stream=True)`` hands the caller each step as it happens, and OpenInference's run wrapper
(openinference-instrumentation-smolagents 0.1.43, ``_RunWrapper``) writes the run span's ``output.value`` as all
of them joined, each a Python repr: ``ToolCall(...)ToolOutput(...)ActionStep(step_number=1, timing=Timing(...),
model_output_message=ChatMessage(...), token_usage=TokenUsage(...), ...)``, 12 KB for a two-step run, ending in
``FinalAnswerStep(output=...)`` when the run answered. Read whole as the run's answer, its timings, token counts
and ids were numbers the answer stated that no tool supported: a critical silent failure of every streamed run
that answered. The answer is the final step's output; the joined stream is kept in the attributes.
"""

from __future__ import annotations

import ast
from typing import Any

#: How the last event of a streamed run that answered is written (smolagents' FinalAnswerStep dataclass repr)
MARKER = "FinalAnswerStep(output="


def stream_answer(value: Any) -> tuple[Any, str] | None:
    """``(answer, stream)`` when a run's output is a smolagents stream that ended with its final answer."""
    if not isinstance(value, str) or not value.endswith(")"):
        return None
    at = value.rfind(MARKER)
    if at <= 0:  # (a stream begins with the run's first step, never with its answer)
        return None
    literal = value[at + len(MARKER) : -1]
    try:
        said = ast.literal_eval(literal)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        said = literal  # the repr of an object of the user's: its text as written
    return said, value
