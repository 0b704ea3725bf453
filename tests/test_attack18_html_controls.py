"""Log text in the HTML views that were escaped with ``html.escape`` alone (attack18): the workspace summary
(agent and system names), the ingest report (file names, quarantine reasons) and the suggested limits (system
names). Escaping stops markup, not a right-to-left override: an agent named ``planner\\u202e`` reversed the rest
of the summary line in a notebook, where the terminal summary already showed it as ``<U+202E>``."""

from __future__ import annotations

import json
from pathlib import Path

import workbench as wb

RLO = "\u202e"
MARKUP = "<img src=x onerror=alert(1)>"
NAME = f"planner{RLO}{MARKUP}\x1b[2J"


def _records(runs: int = 6) -> list[dict]:
    recs: list[dict] = []
    for r in range(runs):
        recs.append(
            {"record": "run", "run_id": f"r{r}", "system": NAME, "outcome": "failure" if r % 2 else "success"}
        )
        recs += [
            {
                "run_id": f"r{r}",
                "step_id": f"s{i}",
                "agent": NAME,
                "kind": "tool",
                "tool": "get_price",
                "started_at": f"2026-03-01T10:0{r}:0{i}Z",
                "ended_at": f"2026-03-01T10:0{r}:0{i}.5Z",
            }
            for i in range(3)
        ]
    return recs


def _inert(shown: str) -> None:
    assert RLO not in shown and "\x1b" not in shown, "a control character reached the HTML as it is"
    assert "<img" not in shown and "&lt;img src=x onerror=alert(1)&gt;" in shown
    assert "&lt;U+202E&gt;" in shown  # shown, as the terminal and the widgets show it


def test_workspace_summary_shows_controls_in_names() -> None:
    ws = wb.open()
    ws.ingest(_records(), progress=False)
    _inert(ws._repr_html_())


def test_ingest_report_shows_controls_in_file_names_and_reasons(tmp_path: Path) -> None:
    bad = tmp_path / f"traces{RLO}lmth.{MARKUP}.jsonl"
    bad.write_text(
        json.dumps({"run_id": "r1", "step_id": "s1", "kind": "llm", "tokens_in": -1}) + "\n", encoding="utf-8"
    )
    report = wb.open().ingest(bad, progress=False)
    assert report.quarantined == 1
    _inert(report._repr_html_())


def test_suggested_limits_show_controls_in_system_names() -> None:
    ws = wb.open()
    ws.ingest(_records(), progress=False)
    _inert(wb.suggest_limits(ws, min_runs=2)._repr_html_())
