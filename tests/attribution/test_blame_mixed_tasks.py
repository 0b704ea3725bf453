"""A store whose runs come from several sources, some with a task and some without.

Seen on 20 Langfuse framework traces and 7 any-agent traces in one store: ``BlameModel.predict`` (and so
``workbench investigate``) died with ``TypeError: expected string or bytes-like object, got 'float'`` — a
missing task read back as NaN beside the runs that have one.
"""

from __future__ import annotations

import json
from pathlib import Path

import workbench as wb


def _files(tmp_path: Path) -> list[Path]:
    ww = tmp_path / "ww.json"  # Who&When: the question is the run's task
    ww.write_text(
        json.dumps(
            {
                "question": "What is 12 * 12?",
                "ground_truth": "144",
                "is_correct": False,
                "history": [
                    {"name": "Math_Expert", "role": "assistant", "content": "12 * 12 = 124"},
                    {"name": "Checker", "role": "assistant", "content": "Confirmed: 124. TERMINATE"},
                ],
            }
        ),
        encoding="utf-8",
    )
    px = tmp_path / "spans.json"  # a Phoenix span export with no input on its root: no task
    px.write_text(
        json.dumps(
            [
                {
                    "name": name,
                    "context": {"trace_id": "t1", "span_id": sid},
                    "span_kind": kind,
                    "parent_id": parent,
                    "start_time": f"2026-09-16T12:43:0{i}+00:00",
                    "end_time": f"2026-09-16T12:43:0{i}.5+00:00",
                    "status_code": code,
                    "attributes": attrs,
                }
                for i, (name, sid, kind, parent, code, attrs) in enumerate(
                    [
                        ("agent", "s0", "AGENT", None, "ERROR", {"agent.name": "writer"}),
                        ("chat", "s1", "LLM", "s0", "OK", {"output.value": "I will write 3 files"}),
                        ("write_file", "s2", "TOOL", "s0", "ERROR", {"tool.name": "write_file"}),
                    ]
                )
            ]
        ),
        encoding="utf-8",
    )
    return [ww, px]


def test_predict_on_runs_with_and_without_a_task(tmp_path: Path) -> None:
    ws = wb.open()
    ws.ingest(_files(tmp_path), progress=False)
    tasks = dict(ws.sql("SELECT run_id, task FROM runs").fetchall())
    assert len(tasks) == 2 and sorted(t is None for t in tasks.values()) == [False, True]
    p = wb.BlameModel.pretrained().predict(ws, list(tasks))
    assert len(p) == 2 and p["agent"].notna().all()
