"""Bad arguments to the IncidentExplorer (ux46's widgets, being split this round): strict xfails, to be fixed there.

README, "Errors": every bad argument, an unknown name or mode among them, raises ``InvalidParameterError`` naming
the parameter and the value. ``IncidentExplorer(ws, blame_model="nope")`` raises a plain ``ValueError`` (not
the project's, so ``except wb.WorkbenchError`` misses it) and leaves a half-made widget whose ``__del__`` raises
``AttributeError: '_pager'``; ``blame_model=5`` is taken and fails later; ``filters={"nope": 1}`` raises a bare
``TypeError`` from ``RunFilter.__init__`` (params46's sweep of the entry points)."""

from __future__ import annotations

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
    [{"blame_model": "nope"}, {"blame_model": 5}, {"filters": {"nope": 1}}],
    ids=["model-name", "model-number", "filter-name"],
)
def test_the_explorer_names_a_bad_argument(kwargs: dict) -> None:
    name = next(iter(kwargs))
    with wb.open() as ws, pytest.raises(wb.InvalidParameterError, match=name):
        wb.IncidentExplorer(ws, **kwargs)
