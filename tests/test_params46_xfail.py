"""Bad arguments to ``ws.label`` (store46's labels): params46's strict xfails, mended by storeb47.

README, "Errors": every bad argument, an unknown name or mode among them, raises ``InvalidParameterError`` naming
the parameter and the value. (The IncidentExplorer's, once here too, are tests in tests/widgets/test_ux47_views.py,
mended by ux47.)"""

from __future__ import annotations

import pytest

import workbench as wb

pytest.importorskip("ipywidgets")


# (was a strict xfail, params46: ws.label with agent=5 / detail={...} / kind=1.5 raised IngestError('ingest failed
# while reading <merge>: RecordError: ...'), naming no parameter; storeb47 checks them first, _params.text_or_none)
@pytest.mark.parametrize(
    "kwargs", [{"agent": 5}, {"detail": {"a": 1}}, {"kind": 1.5}], ids=["agent", "detail", "kind"]
)
def test_a_label_with_a_bad_field_is_an_invalid_parameter(kwargs: dict) -> None:
    with wb.open() as ws:
        ws.ingest(
            [{"record": "step", "run_id": "r1", "step_id": "s1", "agent": "a", "kind": "llm"}], progress=False
        )
        with pytest.raises(wb.InvalidParameterError, match=next(iter(kwargs))):
            ws.label("r1", outcome="failure", **kwargs)
