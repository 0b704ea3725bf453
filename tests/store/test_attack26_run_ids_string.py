"""attack26: a single run id given as a string is refused with a clear error, never read as its characters.

``BlameModel.predict(ws, "r01")`` and ``wb.detect(ws, run_ids="r01")`` scoped the call to runs "r", "0" and
"1" (the string iterated), and answered with an empty table: no verdict, no finding and no word of why.
"""

from __future__ import annotations

import pytest

import workbench as wb


@pytest.fixture(scope="module")
def ws() -> wb.Workspace:
    records: list[dict] = []
    for r in range(4):
        run, t = f"r{r:02d}", f"2026-03-01T10:{r:02d}"
        records.append({"record": "run", "run_id": run, "system": "support", "outcome": "failure"})
        records += [
            {
                "run_id": run,
                "step_id": f"s{i}",
                "agent": ["planner", "coder"][i % 2],
                "kind": "llm",
                "name": "n",
                "output": f"answer {i} of run {run}",
                "started_at": f"{t}:{i:02d}Z",
                "ended_at": f"{t}:{i:02d}.5Z",
            }
            for i in range(4)
        ]
    ws = wb.open()
    ws.ingest(records, progress=False)
    return ws


def test_a_run_id_string_is_refused_by_name(ws: wb.Workspace) -> None:
    model = wb.BlameModel.pretrained()
    assert len(model.predict(ws, ["r01"])) == 1
    with pytest.raises(TypeError, match=r"not the string 'r01'.*\['r01'\]"):
        model.predict(ws, "r01")
    with pytest.raises(TypeError, match="not the string 'r01'"):
        wb.detect(ws, run_ids="r01", progress=False)
    with pytest.raises(TypeError, match="not the string 'r01'"):
        wb.attribute_many(ws, lambda *a, **k: None, "r01")
