"""attack27: the explorer's state table (``snapshot=``, ux26) against states a real system may hand it.

Each entry's cell is the entry's own: one value that cannot be shown, an entry of many fields or a mapping of
very many entries costs the panel nothing else (before ux26 the state was one repr, cut at 20,000 characters)."""

from __future__ import annotations

import dataclasses
import re

import workbench as wb
from workbench.widgets import IncidentExplorer


def _store() -> wb.Workspace:
    ws = wb.open()
    ws.ingest([{"record": "run", "run_id": "r1", "system": "shop", "outcome": "failure"},
               {"run_id": "r1", "step_id": "s0", "agent": "planner", "kind": "llm", "output": "plan"}],
              progress=False)
    return ws


def _detail(state: object) -> str:
    ex = IncidentExplorer(_store(), blame_model=None, snapshot=lambda run_id, step_id: state)
    ex.show_run("r1")
    ex.select_step("s0")
    return ex.detail.value


def _rows(html: str) -> list[list[str]]:
    table = html.split("state before this step", 1)[1]
    return [re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.S) for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table, re.S)]


class _HalfBuilt:
    """A system's object whose __str__ fails (its repr does not): the state's repr showed it."""

    def __str__(self) -> str:
        raise RuntimeError("price not fetched yet")

    def __repr__(self) -> str:
        return "HalfBuilt(price=?)"


@dataclasses.dataclass
class _Slot:
    value: object
    src: str = dataclasses.field(init=False)   # set when a step writes it


def test_a_value_that_cannot_be_str_costs_only_its_cell() -> None:
    html = _detail({"order": _HalfBuilt(), "qty": 3, "slot": _Slot("x")})
    rows = _rows(html)
    assert ["order", "HalfBuilt(price=?)", ""] in rows, rows
    assert ["qty", "3", ""] in rows and ["slot", "x", "(not set)"] in rows, rows
