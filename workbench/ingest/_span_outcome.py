"""A root span with no status code that still says its run ended well: read as ``ok``.

Some frameworks never set a span's status on success (OpenTelemetry leaves it ``unset``), and a run whose root
is unset has outcome ``unknown``, however plainly it finished. Two say so otherwise:

* Microsoft Agent Framework's ``workflow.run`` span (``workflow.id``, ``workflow.name``) gets the event
  ``workflow.completed`` as the workflow's last act when it ran to the end, and ``workflow.error`` plus an
  ERROR status when it raised (``agent_framework/_workflows/_workflow.py``, ``OtelAttr.WORKFLOW_COMPLETED``);
  its ``workflow.build`` span, a root too once its trace joins the run (:mod:`._workflow_build`), gets
  ``build.completed`` when the workflow was built and ``build.error`` when building raised
  (``_workflow_builder.py``): both roots must say so for the run to be read a success;
* Pydantic AI's agent run span (``agent_name``) gets ``final_result`` once the run returned its output, and an
  error status when it raised (``capabilities/instrumentation.py``; with content capture only: without it
  nothing tells a finished run from a cut one, and it stays ``unknown``).

A span that also records an exception or an error event is not read as ``ok``.

A span of any kind that records an ``exception`` event with no error status (unset, or OK) is read as failed,
the event's type and message its error (:func:`recorded_failure`): code that catches an exception and goes on
records it with ``span.record_exception(e)`` and leaves the status alone (OpenTelemetry sets ERROR only on an
exception that leaves ``start_as_current_span``), and instrumentations set OK over it (OpenInference's smolagents
run span sets OK in a ``finally`` after recording the exception the run raised to its caller; the SDK lets OK
replace ERROR). The step is in error; its run's outcome stays the outcome rules' (a root's own status, the
answered rule): a caught exception in a step under a root that says OK does not fail the run.

OpenLLMetry's LangGraph run says so on a span other than the root (its workflow span's ``gen_ai.task.status``,
a child of the graph's ``invoke_agent`` root): read where a run's roots are known, ``store/sql/refresh_runs.sql``.
"""

from __future__ import annotations

from typing import Any

from ._convention_table import EXCEPTION_EVENTS
from ._exception_cause import exception_error

#: Agent Framework's events on a workflow run that ran to the end and on a build that built its workflow
#: (``OtelAttr.WORKFLOW_COMPLETED``, ``OtelAttr.BUILD_COMPLETED``)
WORKFLOW_COMPLETED, BUILD_COMPLETED = "workflow.completed", "build.completed"
_FAILED_EVENTS = frozenset({"workflow.error", "build.error", *EXCEPTION_EVENTS})


def ended_well(attrs: dict[str, Any], events: list[dict[str, Any]] | None) -> bool:
    """Whether a root span with no status code says its run finished (see the module)."""
    names = {e.get("name") for e in events or () if isinstance(e, dict)}
    if names & _FAILED_EVENTS:
        return False
    if WORKFLOW_COMPLETED in names and ("workflow.id" in attrs or "workflow.name" in attrs):
        return True
    if BUILD_COMPLETED in names and ("workflow.id" in attrs or "workflow_builder.name" in attrs):
        return True
    return attrs.get("final_result") is not None and isinstance(attrs.get("agent_name"), str)


def recorded_failure(events: list[dict[str, Any]] | None) -> str | None:
    """The error of a span's first exception event (``Type: message``, its root cause beside it), else None."""
    for ev in events or ():
        if not isinstance(ev, dict) or ev.get("name") not in EXCEPTION_EVENTS:
            continue
        attrs = ev.get("attributes") or {}
        kind, msg = attrs.get("exception.type"), attrs.get("exception.message")
        kind = kind if isinstance(kind, str) and kind else None
        msg = msg if isinstance(msg, str) and msg else None
        said = f"{kind}: {msg}" if kind and msg and not msg.startswith(kind) else msg or kind or "exception"
        return str(exception_error(said, attrs.get("exception.stacktrace")))
    return None
