"""Bad arguments to the IncidentExplorer (ux46's widgets, being split this round): strict xfails, to be fixed there.

README, "Errors": every bad argument, an unknown name or mode among them, raises ``InvalidParameterError`` naming
the parameter and the value. ``IncidentExplorer(ws, blame_model="nope")`` raises a plain ``ValueError`` (not
the project's, so ``except wb.WorkbenchError`` misses it) and leaves a half-made widget whose ``__del__`` raises
``AttributeError: '_pager'``; ``blame_model=5`` is taken and fails later; ``filters={"nope": 1}`` raises a bare
``TypeError`` from ``RunFilter.__init__`` (params46's sweep of the entry points)."""

from __future__ import annotations

import gc

import pytest

import workbench as wb

pytest.importorskip("ipywidgets")


@pytest.mark.xfail(
    strict=True,
    reason="params46: widgets/_explorer.py raises ValueError (not InvalidParameterError) for blame_model='nope', "
    "takes blame_model=5, and filters={'nope': 1} raises RunFilter's TypeError",
)
@pytest.mark.parametrize(
    "kwargs",
    [{"blame_model": "nope"}, {"filters": {"nope": 1}}],
    ids=["model-name", "filter-name"],  # (blame_model=5, taken too, builds a whole explorer: 0.5 s)
)
def test_the_explorer_names_a_bad_argument(kwargs: dict) -> None:
    name, said = next(iter(kwargs)), "no error"
    with wb.open() as ws:
        try:
            wb.IncidentExplorer(ws, **kwargs)
        except Exception as exc:  # noqa: BLE001 - which error is what the test reads
            said = (
                f"{type(exc).__name__}: {exc}" if not isinstance(exc, wb.InvalidParameterError) else str(exc)
            )
            refused = isinstance(exc, wb.InvalidParameterError)
        else:
            refused = False
    # (a half-made explorer's __del__ raises AttributeError '_pager': collected here, in this test, not in a later
    # one's, where the unraisable-exception warning, an error in this suite, would fail it)
    gc.collect()
    assert refused and name in said, said


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
