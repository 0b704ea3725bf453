"""walk48: a tool that raised in a run whose log never says how it ended was not mentioned by investigate.

Logfire's OpenAI Agents export (tests/ingest/fixtures/logfire-openai-agents/tool_error.otlp.jsonl) has the tool
span in ERROR and the agent answering anyway; no detector fires (nothing gave up, nothing repeated), so
``workbench investigate`` said "1 run, 0 failed, 1 of unknown outcome / no failed runs: nothing to attribute" and
nothing of the error. The log here is written by the test: the same shape in OTel GenAI spans.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from workbench.cli import main

T0 = 1_767_225_600 * 10**9  # 2026-01-01


def _kv(key: str, value: str) -> dict:
    return {"key": key, "value": {"stringValue": value}}


def _span(
    trace: str, sid: str, parent: str | None, name: str, at: int, *attrs: dict, error: str = ""
) -> dict:
    span = {
        "traceId": trace,
        "spanId": sid,
        "name": name,
        "kind": "SPAN_KIND_INTERNAL",
        "startTimeUnixNano": str(T0 + at * 10**9),
        "endTimeUnixNano": str(T0 + (at + 1) * 10**9),
        # unset, as most OTel roots leave it: the log never says how the run ended
        "status": {"code": "STATUS_CODE_ERROR", "message": error} if error else {},
        "attributes": list(attrs),
    }
    if parent:
        span["parentSpanId"] = parent
    return span


@pytest.fixture(scope="module")
def log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # trace 1: the pricer's tool raised, its model answered anyway (no detector fires); trace 2: no error
    t1, t2 = "1" * 32, "2" * 32
    agent = [_kv("gen_ai.operation.name", "invoke_agent"), _kv("gen_ai.agent.name", "pricer")]
    spans = [
        _span(t1, "a000000000000001", None, "invoke_agent pricer", 0, *agent),
        _span(
            t1,
            "a000000000000002",
            "a000000000000001",
            "execute_tool get_price",
            1,
            _kv("gen_ai.operation.name", "execute_tool"),
            _kv("gen_ai.tool.name", "get_price"),
            error="ConnectionError: price feed unreachable",
        ),
        _span(
            t1,
            "a000000000000003",
            "a000000000000001",
            "chat gpt-4o-mini",
            2,
            _kv("gen_ai.operation.name", "chat"),
            _kv("gen_ai.request.model", "gpt-4o-mini"),
        ),
        _span(t2, "b000000000000001", None, "invoke_agent pricer", 5, *agent),
        _span(
            t2,
            "b000000000000002",
            "b000000000000001",
            "chat gpt-4o-mini",
            6,
            _kv("gen_ai.operation.name", "chat"),
            _kv("gen_ai.request.model", "gpt-4o-mini"),
        ),
    ]
    doc = {
        "resourceSpans": [
            {
                "resource": {"attributes": [_kv("service.name", "desk")]},
                "scopeSpans": [{"scope": {"name": "desk"}, "spans": spans}],
            }
        ]
    }
    path = tmp_path_factory.mktemp("walk48") / "unreported.otlp.jsonl"
    path.write_text(json.dumps(doc) + "\n", encoding="utf-8")
    return path


def test_table_names_the_unreported_error_and_what_to_do(
    log: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    assert main(["investigate", str(log), "--quiet"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "0 failed" in out
    assert "1 run of unknown outcome holds steps in error that no detector flagged" in out, out
    assert (
        '11111111111111111111111111111111 (1 error step, first pricer:a000000000000002: "ConnectionError: price feed unreachable")'
        in out
    )
    assert 'ws.label(run_id, outcome="failure")' in out
    assert "2222" not in out


def test_json_lists_the_unreported_error_runs(log: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["investigate", str(log), "--json", "--quiet"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["failed"] == 0 and doc["flagged"] == 0
    assert doc["unreported_error_runs"] == [
        {
            "run_id": "1" * 32,
            "error_steps": 1,
            "first_error": "pricer:a000000000000002",
            "error": "ConnectionError: price feed unreachable",
        }
    ]


def test_magic_investigate_reads_the_notebooks_own_ws_not_the_demo(log: Path) -> None:
    # The README's way in: ws = wb.open(); ws.ingest(...); then %workbench investigate. With no %workbench open
    # before, it showed the demo's 2,000 simulated runs instead of the user's own.
    from IPython.testing.globalipapp import get_ipython

    import workbench as wb
    from workbench._magics import WorkbenchMagics

    ip = get_ipython()
    ws = wb.open()
    ws.ingest(log, progress=False)
    magics = WorkbenchMagics(ip)  # its own: the shared shell's may remember another test's %workbench open
    ip.user_ns["ws"] = ws
    try:
        found = magics.workbench("investigate --no-attribute")
    finally:
        del ip.user_ns["ws"]
    page = " ".join(found._repr_html_().split())
    assert "the demo data" not in page and "2,000" not in page
    assert "ws (memory): 2 runs, 0 failed" in page, page[:500]
    # ... and names the run whose tool raised, as the command line does
    assert "1 run of unknown outcome holds steps in error that no detector flagged" in page


def test_policy_suggest_on_logs_of_no_failure_names_the_option_that_works(
    log: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Most exports of real traces say no outcome: the findings method can weigh no limit, and its error named only
    # the Python call (wb.suggest_limits); the command's own --method peaks, which needs no outcome, went unsaid.
    monkeypatch.setenv("COLUMNS", "400")
    import workbench as wb

    db = tmp_path / "s.duckdb"
    with wb.open(db) as ws:
        ws.ingest(log, progress=False)
    assert main(["policy", "suggest", "--db", str(db), "-o", str(tmp_path / "p.yaml"), "--quiet"]) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert "no run with a known outcome" in err and "workbench policy suggest ... --method peaks" in err, err
    # ... and with outcomes known but none failed (the runs succeeded): a policy of no limit, and the same option
    with wb.open(db) as ws:
        for run in ws.runs()["run_id"]:
            ws.label(run, outcome="success")
    assert main(["policy", "suggest", "--db", str(db), "-o", str(tmp_path / "p.yaml"), "--quiet"]) == 0
    err = " ".join(capsys.readouterr().err.split())
    assert "from 2 runs (0 failed)" in err
    assert "next: --method peaks sets the limits at a quantile of the runs' peaks" in err, err


def test_the_legend_does_not_claim_a_repair_for_a_log_only_step() -> None:
    # The legend printed under the table (its entries, as _print_table prints them): the step column of a log-only
    # verdict "(log)" is the model's pick, yet it said "the earliest whose repair saves the run", which no replay
    # checked. (Read from the list printed, not from a run: a Who&When log through the model cost seconds.)
    from workbench._investigate import LEGEND

    step = [entry for entry in LEGEND if entry.startswith("step:")]
    assert len(step) == 1
    assert "by the log-only model" in step[0] and "no replay checked it" in step[0], step[0]
