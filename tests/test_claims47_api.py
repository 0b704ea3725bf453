"""claims47: what the README's thresholds section promises of ``runs=`` (ids or a ``ws.runs(...)`` frame), checked
on a store of two runs written by hand.

``runs=[]`` (a ``ws.runs(...)`` filter that matched nothing) made the sweep say "no run of this store has a known
outcome", the calibration "no step in this store has a confidence" and ``what_can_be_tuned`` "the logs have no token
log-probabilities" of a store holding both: an error must name what was wrong (the empty runs), as
``suggest_limits`` already did.
"""

from __future__ import annotations

import json

import pytest

import workbench as wb
from workbench.exceptions import InvalidParameterError


def _step(run: str, i: int, agent: str, logprob: float) -> dict:
    return {
        "record": "step",
        "run_id": run,
        "step_id": f"s{i}",
        "agent": agent,
        "kind": "llm",
        "name": "chat",
        "started_at": f"2026-01-01T00:00:0{i}Z",
        "ended_at": f"2026-01-01T00:00:0{i}.5Z",
        "status": "ok",
        "output": "ok",
        "logprobs": [{"token": "a", "logprob": logprob, "top_logprobs": []}],
    }


@pytest.fixture(scope="module")
def ws(tmp_path_factory):
    lines = []
    for run, outcome, lp in (("r-ok", "success", -0.01), ("r-bad", "failure", -2.0)):
        lines.append({"record": "run", "run_id": run, "system": "desk", "outcome": outcome})
        lines += [_step(run, 1, "planner", lp), _step(run, 2, "pricer", lp)]
    path = tmp_path_factory.mktemp("claims47") / "two.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in lines) + "\n")
    store = wb.open()
    store.ingest(str(path))
    yield store
    store.close()


CALLS = {
    "sweep_thresholds": lambda ws, runs: wb.sweep_thresholds(ws, signal="confidence", runs=runs),
    "policy_from_findings": lambda ws, runs: wb.policy_from_findings(ws, runs=runs),
    "available_signals": lambda ws, runs: wb.available_signals(ws, runs=runs),
    "what_can_be_tuned": lambda ws, runs: wb.what_can_be_tuned(ws, runs=runs),
    "confidence_calibration": lambda ws, runs: wb.confidence_calibration(ws, runs=runs),
}


@pytest.mark.parametrize("name", sorted(CALLS))
def test_empty_runs_named_not_blamed_on_the_store(ws, name):
    # the store does carry confidences, in runs of both outcomes
    assert wb.available_signals(ws).set_index("signal").loc["confidence", "steps"] == 4
    empty = ws.runs().query("run_id == 'nope'")  # a filter that matched no run
    for runs in ([], empty):
        with pytest.raises(InvalidParameterError, match=rf"^{name}: runs is empty \(0 run ids given"):
            CALLS[name](ws, runs)


def test_investigate_limit_and_all_are_one_or_the_other(tmp_path, capsys):
    # the usage line says [--limit N | --all]: both given, --all won and the limit was dropped unsaid (exit 0)
    from workbench.cli import main

    try:
        code = main(["investigate", "--db", str(tmp_path / "none.duckdb"), "--limit", "2", "--all"])
    except SystemExit as exc:  # (a usage error leaves argparse's way)
        code = exc.code
    assert code == 2
    assert "--all: not allowed with argument --limit" in capsys.readouterr().err


@pytest.mark.parametrize("extra", [["--quantile", "0.5"]])
def test_policy_suggest_peaks_options_refused_with_findings(tmp_path, capsys, extra):
    # --quantile is --method peaks' (the usage line, the help): with the default method it was dropped unsaid, a
    # policy of every system written, exit 0. Refused before the store is read. (--system was too, until walk50
    # made it the findings method's as well: tests/test_walk50_walk.py)
    from workbench.cli import main

    out = tmp_path / "p.yaml"
    try:
        code = main(["policy", "suggest", "--db", str(tmp_path / "none.duckdb"), "-o", str(out), *extra])
    except SystemExit as exc:
        code = exc.code
    assert code == 2 and not out.exists()
    assert f"{extra[0]}: only with --method peaks" in capsys.readouterr().err
