"""README promises of ``workbench policy`` checked on inputs a user brings (claims45): logs of real systems
seldom say how a run ended (a Langfuse or OTLP export has no outcome), which is what ``--method peaks`` is for."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import workbench as wb
from workbench.cli import main


def _unlabelled_log(path: Path) -> Path:
    """Three runs of one system, no outcome anywhere (as an exporter writes them): a planner hands off to a
    tool-calling buyer."""
    lines = []
    for r in range(3):
        run = f"run-{r}"
        lines.append({"record": "run", "run_id": run, "system": "shop", "outcome": "unknown"})
        t = 1_767_225_600 + 60 * r
        steps = [("planner", "llm", None), ("buyer", "tool", "search"), ("buyer", "tool", "order")]
        for i, (agent, kind, tool) in enumerate(steps[: 2 + r % 2]):
            step = {
                "record": "step",
                "run_id": run,
                "step_id": f"{run}-s{i}",
                "agent": agent,
                "kind": kind,
                "name": tool or "chat",
                "started_at": t + 2 * i,
                "ended_at": t + 2 * i + 1,
                "status": "ok",
                "output": f"step {i} of {run}",
            }
            if tool:
                step["tool"] = tool
                step["input"] = json.dumps({"q": f"item {i}"})
            lines.append(step)
    path.write_text("".join(json.dumps(x) + "\n" for x in lines))
    return path


def test_peaks_suggests_limits_from_logs_without_outcomes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # README, "In CI": `--method peaks` is wb.suggest_limits(ws, quantile=Q).to_policy(system), which needs no
    # outcome; on main the command first asked policy_from_findings (which does) and exited 2 telling the user
    # to use suggest_limits.
    db = tmp_path / "shop.duckdb"
    with wb.open(db) as ws:
        ws.ingest(_unlabelled_log(tmp_path / "shop.jsonl"), progress=False)
        expected = wb.suggest_limits(ws).to_policy()
        assert set(ws.runs()["outcome"]) == {"unknown"}
    out = tmp_path / "policy.yaml"
    assert main(["policy", "suggest", "--db", str(db), "-o", str(out), "--method", "peaks", "--quiet"]) == 0
    written = wb.Policy.from_yaml(out)
    assert written.rules() == expected.rules() != []
    assert written.hitl == () and "no HITL rule: no run has a known outcome" in capsys.readouterr().err


def test_sim_refuses_to_write_over_a_store(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # README "Command line": "-o one of the command's inputs ... or any store is refused, exit 2" held for policy
    # suggest; `workbench sim --out incidents.duckdb` wrote its JSONL over the store, exit 0: the runs lost.
    db = tmp_path / "incidents.duckdb"
    with wb.open(db) as ws:
        ws.ingest(_unlabelled_log(tmp_path / "shop.jsonl"), progress=False)
    before = db.read_bytes()
    assert main(["sim", "--runs", "1", "--out", str(db)]) == 2
    assert "it is a workbench store" in capsys.readouterr().err and db.read_bytes() == before
