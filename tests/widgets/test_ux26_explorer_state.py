"""The explorer's "state before this step" (``snapshot=``), as notebook 01 shows the simulator's blackboard.

It printed the state's repr in one block: ``{'item_query': Value(value='ear plugs silicone', src='s0002',
tainted=False), 'quantity': Value(...), ...}``, so which value came from which step, and which one is
wrong, had to be read out of Python syntax (ux26's screenshot of notebook 01). A mapping is now a table:
one row per entry, a dataclass entry's fields as columns, every cell escaped."""

from __future__ import annotations

import dataclasses
import re

import workbench as wb
from workbench.widgets import IncidentExplorer


@dataclasses.dataclass
class Entry:
    value: object
    src: str
    tainted: bool = False


def _store() -> wb.Workspace:
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
    return ws


def _cells(html: str) -> list[list[str]]:
    table = html.split("state before this step", 1)[1]
    return [
        re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.S)
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table, re.S)
    ]


def test_state_is_a_table_of_entries() -> None:
    payload = "<img src=x onerror=alert(1)>"
    state = {
        "item_query": Entry("ear plugs", "s0"),
        "price": Entry(96.6, "s1", True),
        "note": payload,
        "long": "x" * 1000,
    }
    ex = IncidentExplorer(_store(), blame_model=None, snapshot=lambda run_id, step_id: state)
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


def test_state_that_is_not_a_mapping_stays_text() -> None:
    ex = IncidentExplorer(_store(), blame_model=None, snapshot=lambda run_id, step_id: ["a", "<b>"])
    ex.show_run("r1")
    ex.select_step("s0")
    assert "<pre class='wb-pre'>[&#x27;a&#x27;, &#x27;&lt;b&gt;&#x27;]</pre>" in ex.detail.value

    def broken(run_id: str, step_id: str) -> object:
        raise KeyError(step_id)

    ex2 = IncidentExplorer(_store(), blame_model=None, snapshot=broken)
    ex2.show_run("r1")
    assert "(no snapshot: KeyError" in ex2.detail.value
