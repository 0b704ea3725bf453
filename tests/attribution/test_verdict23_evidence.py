"""The log-only verdict weighs the run's own evidence: an error that ended the run, the first stater of
the value a wrong answer rests on (workbench/attribution/_evidence.py), on real framework traces."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pytest
from _whowhen_fixture import write_runs

import workbench as wb
from workbench._investigate import attribute_failed
from workbench.attribution import BlameModel
from workbench.cli import main
from workbench.detect import detect

FIXTURES = Path(__file__).resolve().parents[1] / "ingest" / "fixtures"
CRASH = FIXTURES / "pydantic-ai" / "delegation_crash.otlp.jsonl"  # researcher's tool raised; the run ended
AGNO = FIXTURES / "agno" / "team_fault.otlp.jsonl"  # researcher states 41.2; the tool said 14.2


pytestmark = pytest.mark.usefixtures("_own_cache")  # (tests/conftest.py)


def _investigated(path: Path) -> wb.Workspace:
    ws = wb.open()
    ws.ingest([str(path)], progress=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        detect(ws, progress=False)
    attribute_failed(ws, None, "logonly")
    return ws


def _verdict(ws: wb.Workspace) -> tuple[str, float, dict]:
    rows = ws.sql(
        "SELECT target, value, params FROM attributions WHERE unit = 'verdict' AND method = 'blame_model'"
    ).fetchall()
    assert len(rows) == 1
    return rows[0][0], rows[0][1], json.loads(rows[0][2])


def test_the_agent_whose_error_ended_the_run_is_the_culprit() -> None:
    # PydanticAI: the planner delegates to the researcher, whose tool raises ConnectionError; the
    # exception reaches the root. The model alone said "planner 50%" at the planner's first chat.
    ws = _investigated(CRASH)
    culprit, confidence, params = _verdict(ws)
    tool_step = ws.sql("SELECT step_id FROM steps WHERE kind = 'tool' AND tool = 'lookup_price'").fetchall()[
        0
    ][0]
    assert culprit == "researcher"
    assert params["decisive_step"] == tool_step
    assert params["evidence"] == "error" and params["uncertain"] is False and confidence > 0.5
    assert "lookup_price" in params["why"] and "price feed unreachable: 503" in params["why"]
    # the model's own pick is kept beside it
    assert params["model_agent"] == "planner" and params["disagrees"] == "planner"


def test_investigate_says_why(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "240")  # the table cuts its columns to the terminal's width
    assert main(["investigate", str(CRASH), "--quiet"]) == 0
    out = capsys.readouterr().out
    row = next(line for line in out.splitlines() if line.startswith("34d4e125"))
    assert "researcher" in row and "(log + error)" in row and "planner" not in row
    why = " ".join(line.strip() for line in out.split("why: ", 1)[1].splitlines()[:3])
    assert 'researcher\'s tool lookup_price raised "price feed unreachable: 503"' in why
    assert "ended the run" in why and "the model alone named planner" in why


def test_a_broken_error_chain_names_the_last_span_that_raised(tmp_path: Path) -> None:
    # The planner's delegate_research tool span says OK (as if it had handled the error) while the
    # planner's agent span and the root still fail: the error that reached the root came from the
    # planner's span, and nothing connects it to the researcher's tool below. (It records no exception
    # either: one recorded on an OK span is that span's error, real36.)
    lines = []
    for line in CRASH.read_text().splitlines():
        d = json.loads(line)
        for rs in d["resourceSpans"]:
            for ss in rs["scopeSpans"]:
                for sp in ss["spans"]:
                    if sp["name"] == "execute_tool delegate_research":
                        sp["status"] = {"code": "STATUS_CODE_OK"}
                        sp["events"] = [e for e in sp.get("events", []) if e["name"] != "exception"]
        lines.append(json.dumps(d))
    log = tmp_path / "handled.otlp.jsonl"
    log.write_text("\n".join(lines) + "\n")
    ws = _investigated(log)
    culprit, _, params = _verdict(ws)
    assert params["evidence"] == "error" and culprit == "planner"
    assert "researcher" not in params["why"]


def test_a_silent_failure_that_agrees_with_the_model_is_no_longer_uncertain() -> None:
    # Agno: reported success, but the answer's 41.2 was first stated by the researcher (the tool said
    # 14.2). The model alone names the researcher at 49 % ("uncertain").
    ws = _investigated(AGNO)
    culprit, confidence, params = _verdict(ws)
    assert culprit == "researcher" and params["model_agent"] == "researcher"
    assert params["model_confidence"] < 0.5 < confidence
    assert params["evidence"] == "silent_failure" and params["uncertain"] is False
    assert params["disagrees"] is None and "first stated by researcher" in params["why"]


def test_who_and_when_logs_keep_the_models_verdict(tmp_path: Path) -> None:
    # Flat logs (no span tree) reported failed: no error chain to a root, no silent_failure finding.
    from workbench.attribution._evidence import store_log_verdicts

    ws = wb.open()
    ws.ingest([str(write_runs(tmp_path, "alpha", 12, seed=4))], format="whowhen", progress=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        detect(ws, progress=False)
    model = BlameModel.pretrained()
    runs = [r for (r,) in ws.sql("SELECT run_id FROM runs ORDER BY run_id").fetchall()]
    plain = model.predict(ws, runs)
    weighed = store_log_verdicts(model, ws, runs)
    assert weighed["evidence"].isna().all()
    assert weighed["agent"].tolist() == plain["agent"].tolist()
    assert weighed["step_id"].tolist() == plain["step_id"].tolist()
    assert weighed["agent_confidence"].tolist() == pytest.approx(plain["agent_confidence"].tolist())
