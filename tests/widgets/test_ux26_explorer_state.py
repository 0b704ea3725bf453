"""The explorer's "state before this step" (``snapshot=``), as notebook 01 shows the simulator's blackboard.

It printed the state's repr in one block: ``{'item_query': Value(value='ear plugs silicone', src='s0002',
tainted=False), 'quantity': Value(...), ...}``, so which value came from which step, and which one is
wrong, had to be read out of Python syntax (ux26's screenshot of notebook 01). A mapping is now a table:
one row per entry, a dataclass entry's fields as columns, every cell escaped."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable

import pytest

import workbench as wb
from workbench.widgets import IncidentExplorer


@dataclasses.dataclass
class Entry:
    value: object
    src: str
    tainted: bool = False


Shown = tuple[IncidentExplorer, dict[str, Callable[[str, str], object]]]


@pytest.fixture(scope="module")
def shown() -> Shown:
    """One explorer for both tests, its ``snapshot`` the one a test puts in the dict (called each time a step is
    shown: each test's state is drawn, or its failure said, as on an explorer of its own; suite54)."""
    ws = wb.open()
    ws.ingest(
        [
            {"record": "run", "run_id": "r1", "system": "shop", "outcome": "failure"},
            {"run_id": "r1", "step_id": "s0", "agent": "planner", "kind": "llm", "output": "plan"},
            {
                "run_id": "r1",
                "step_id": "s1",
                "agent": "buyer",
                "kind": "tool",
                "tool": "buy",
                "output": "ok",
            },
        ],
        progress=False,
    )
    given: dict[str, Callable[[str, str], object]] = {"snapshot": lambda run_id, step_id: None}
    return IncidentExplorer(ws, blame_model=None, snapshot=lambda r, s: given["snapshot"](r, s)), given


def _cells(html: str) -> list[list[str]]:
    table = html.split("state before this step", 1)[1]
    return [
        re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.S)
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table, re.S)
    ]


def test_state_is_a_table_of_entries(shown: Shown) -> None:
    payload = "<img src=x onerror=alert(1)>"
    state = {
        "item_query": Entry("ear plugs", "s0"),
        "price": Entry(96.6, "s1", True),
        "note": payload,
        "long": "x" * 1000,
    }
    ex, given = shown
    given["snapshot"] = lambda run_id, step_id: state
    ex.show_run("r1")
    ex.select_step("s1")
    html = ex.detail.value
    rows = _cells(html)
    assert rows[0] == ["key", "value", "src", "tainted"], rows[0]
    assert ["item_query", "ear plugs", "s0", "False"] in rows and ["price", "96.6", "s1", "True"] in rows, (
        rows
    )
    assert ["note", "&lt;img src=x onerror=alert(1)&gt;", "", ""] in rows and payload not in html
    assert "Value(" not in html and "Entry(" not in html
    long = next(r for r in rows if r[0] == "long")[1]
    assert len(long) < 400 and "700 more characters" in long


def test_state_that_is_not_a_mapping_stays_text(shown: Shown) -> None:
    ex, given = shown
    given["snapshot"] = lambda run_id, step_id: ["a", "<b>"]
    ex.show_run("r1")
    ex.select_step("s0")
    assert "<pre class='wb-pre'>[&#x27;a&#x27;, &#x27;&lt;b&gt;&#x27;]</pre>" in ex.detail.value

    def broken(run_id: str, step_id: str) -> object:
        raise KeyError(step_id)

    given["snapshot"] = broken
    ex.show_run("r1")
    assert "(no snapshot: KeyError" in ex.detail.value
