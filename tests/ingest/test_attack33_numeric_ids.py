"""A run or step id given as a number is quarantined saying so, not as "missing or empty".

On e352347 ``{"run_id": 5, ...}`` was quarantined as "missing or empty run id" (a run record as "run record without
a run id"): the field was there, and its producer, told it was missing, looked for the wrong fault."""

from __future__ import annotations

import json

import workbench as wb


def test_a_numeric_id_is_named_as_such(tmp_path) -> None:  # noqa: ANN001
    path = tmp_path / "ids.jsonl"
    path.write_text(
        "\n".join(
            json.dumps(r)
            for r in [
                {"record": "run", "run_id": 9, "outcome": "failure"},
                {"run_id": 5, "step_id": "s", "agent": "a", "kind": "llm"},
                {"run_id": "r", "step_id": 7, "agent": "a", "kind": "llm"},
                {"run_id": "", "step_id": "s", "agent": "a", "kind": "llm"},
                {"run_id": "r", "step_id": "s", "agent": "a", "kind": "llm"},
            ]
        )
        + "\n"
    )
    with wb.open() as ws:
        report = ws.ingest(path, progress=False)
        assert report.stored == 1 and report.read == report.stored + report.quarantined
        reasons = dict(ws.quarantine()[["line", "reason"]].itertuples(index=False, name=None))
    assert reasons == {
        1: "run record: run id must be a string (got number '9'; quote it in the log)",
        2: "run id must be a string (got number '5'; quote it in the log)",
        3: "step id must be a string (got number '7'; quote it in the log)",
        4: "missing or empty run id",
    }
    with wb.open() as ws:
        ws.ingest([{"run_id": 5.5, "step_id": "s"}], progress=False)
        assert ws.quarantine()["reason"].tolist() == [
            "run id must be a string (got number '5.5'; quote it in the log)"
        ]
