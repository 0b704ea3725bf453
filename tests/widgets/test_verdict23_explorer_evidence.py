"""The IncidentExplorer's log-only line names the culprit investigate stores: the model's guess with the
run's own evidence weighed in (workbench/attribution/_evidence.py), the evidence said, escaped."""

from __future__ import annotations

import json
from pathlib import Path

import workbench as wb
from workbench.widgets import IncidentExplorer

CRASH = (
    Path(__file__).resolve().parents[1]
    / "ingest"
    / "fixtures"
    / "pydantic-ai"
    / "delegation_crash.otlp.jsonl"
)


def test_the_explorer_names_the_agent_whose_error_ended_the_run(tmp_path: Path) -> None:
    # the real PydanticAI crash, its tool's exception message made hostile: log text, shown escaped
    lines = []
    for line in CRASH.read_text().splitlines():
        d = json.loads(line)
        for rs in d["resourceSpans"]:
            for ss in rs["scopeSpans"]:
                for sp in ss["spans"]:
                    if sp["name"] == "execute_tool lookup_price":
                        sp["status"]["message"] = "<img src=x onerror=alert(1)> feed down"
        lines.append(json.dumps(d))
    log = tmp_path / "crash.otlp.jsonl"
    log.write_text("\n".join(lines) + "\n")
    ws = wb.open()
    ws.ingest([str(log)], progress=False)
    wb.detect(ws)
    ex = IncidentExplorer(ws, blame_model=wb.BlameModel.pretrained(), filters={"outcome": "failure"})
    html = ex.verdict.value
    # the model alone says planner 50 % at the planner's first chat
    assert "Log-only BlameModel: <b>researcher</b>" in html
    assert "Evidence in the log (error): researcher&#x27;s tool lookup_price raised" in html
    assert "the model alone: planner" in html
    assert "<img" not in html and "&lt;img src=x onerror=alert(1)&gt; feed down" in html
