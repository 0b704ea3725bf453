"""walk50: day one on logs of systems the workbench never saw (CrewAI hierarchical, LangGraph supervisor, AutoGen
selector, Who&When, mixed in one store): what the command line says of them.

- ``investigate`` printed "Pricer 78% (log + silent_failure)" and "Verification_Expert 50% (log)" with nothing to
  say how far such a figure goes: no replay checked either; the model alone's percentage on a system it never saw
  stays near one rate per agent count (its sure verdicts right 49-58 % on held-out systems), and the evidence's
  weighing is not calibrated at all (README, "Log-only verdicts"). ``trust:`` lines now say so, and how to check one.
- ``investigate --limit 1`` printed ``why:`` lines for runs the table left out (three lines under a table of one run).
- ``policy suggest --system NAME`` was refused with the findings method ("only with --method peaks"), so a store of
  several systems got one HITL rule priced on all of them (``latency_ms >= 33.9`` over Who&When's turns and two
  desks' spans); it now learns from that system's runs, and ``policy backtest`` replays that system's runs.
- ``investigate --json``'s ``confidence`` said nothing of what it was; ``confidence_kind`` now does.
- ``investigate DIR`` of an export's folder ended its skipped list with "(report.skipped lists all 6)", Python's
  words: the command's way to the list is ``workbench ingest … --list-skipped``.
- ``policy backtest`` on logs that never say how a run ended (every run of unknown outcome, left out) printed a table
  of zeros and "stopped: 0 of 0 failed runs": now it says nothing was weighed, and how to label outcomes.
- the unknown-outcome advice named Python only; the command line's own way, a ``.jsonl`` of native label records given
  to ``workbench ingest``, failed (exit 2, "no records read") though it stored every label.

Every store here is written by the test: native JSONL of a few runs.
"""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import pytest

import workbench as wb
from workbench.cli import main

T0 = 1_767_225_600_000_000_000
S = 1_000_000_000


def _cli(args: list[str]) -> tuple[int, str]:
    """Exit status and what the command wrote (stdout and stderr: the tables and notes go to both)."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        try:
            code = main(args)
        except SystemExit as exc:  # (argparse's usage errors)
            code = exc.code
    return code, out.getvalue()


def _errored(run_id: str, hour: int) -> list[dict]:
    """A run of two agents whose pricer's tool call raised and ended the run (an error the root span shows)."""
    shape = [
        ("s0", None, "system", "run", None, "error"),
        ("s1", "s0", "agent", "planner", "planner", "ok"),
        ("s2", "s1", "llm", "chat", "planner", "ok"),
        ("s3", "s0", "agent", "pricer", "pricer", "error"),
        ("s4", "s3", "tool", "get_price", "pricer", "error"),
    ]
    out: list[dict] = [{"record": "run", "run_id": run_id, "system": "desk", "task": "price 10 widgets"}]
    for i, (sid, parent, kind, name, agent, status) in enumerate(shape):
        start = T0 + hour * 3600 * S + i * S
        rec = {"run_id": run_id, "step_id": sid, "kind": kind, "name": name, "status": status}
        rec |= {"started_at": start, "ended_at": start + (10 - 2 * i) * S // 2}
        rec |= {"parent_id": parent} if parent else {}
        rec |= {"agent": agent} if agent else {}
        if kind == "llm":
            rec["output"] = "ask the pricer what SKU-7 costs"
        if kind == "tool":
            rec |= {"tool": "get_price", "input": '{"sku": "SKU-7"}', "error": "price feed unreachable: 503"}
        out.append(rec)
    return out


def _declared_failed(run_id: str, hour: int) -> list[dict]:
    """A run of two agents declared failed with no error in its steps: the model alone names a culprit."""
    out: list[dict] = [{"record": "run", "run_id": run_id, "system": "desk", "outcome": "failure"}]
    for i, (agent, text) in enumerate(
        [("planner", "the pricer will quote"), ("pricer", "SKU-7 costs 12.50")]
    ):
        start = T0 + hour * 3600 * S + i * S
        out.append(
            {
                "run_id": run_id,
                "step_id": f"t{i}",
                "kind": "llm",
                "agent": agent,
                "status": "ok",
                "output": text,
                "started_at": start,
                "ended_at": start + S // 2,
            }
        )
    return out


@pytest.fixture(scope="module")
def investigated(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    """``investigate --limit 1`` on three failed runs (two ended by an error, one declared failed)."""
    here = tmp_path_factory.mktemp("walk50_investigate")
    logs = here / "logs"  # the log beside six notes in no known format, as an export's folder holds them
    logs.mkdir()
    records = _errored("r0", 0) + _errored("r1", 1) + _declared_failed("r2", 2)
    (logs / "desk.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    for i in range(6):
        (logs / f"NOTES{i}.txt").write_text("what we saw that day\n")
    code, said = _cli(
        ["investigate", str(logs), "--db", str(here / "desk.duckdb"), "--limit", "1", "--quiet"]
    )
    assert code == 0, said
    return said, here / "desk.duckdb"


def test_skipped_files_listed_by_a_command(investigated: tuple[str, Path]) -> None:
    investigated, _ = investigated
    # the ingest report's "(report.skipped lists all 6)" is Python's, and investigate has no such option
    flat = " ".join(investigated.split())
    assert (
        "skipped 6: " in flat and "… and 1 more (`workbench ingest … --list-skipped` lists all 6)" in flat
    ), flat


def test_why_lines_only_for_the_runs_the_table_shows(investigated: tuple[str, Path]) -> None:
    investigated, _ = investigated
    lines = investigated.splitlines()
    assert any(line.startswith("r0 ") for line in lines), investigated  # the one run shown
    assert not any(line.startswith(("r1 ", "r2 ")) for line in lines), investigated
    why = [line for line in lines if line.startswith("why: ")]
    assert why[0].startswith("why: r0: pricer's tool get_price raised"), investigated
    assert not any(line.startswith("why: r1") for line in why), (
        investigated
    )  # left out of the table: not explained
    assert why[1].startswith("why: and 1 more run whose verdict weighed such evidence"), investigated
    # the legend says where "reported" comes from (a native run that said nothing read "SILENT*: reported success")
    flat = " ".join(investigated.split())
    assert "reported: what the run said of itself (its declared outcome, else its root span's status" in flat
    assert "a native step with no status is ok" in flat


def test_trust_lines_say_how_far_a_log_only_percentage_goes(investigated: tuple[str, Path]) -> None:
    investigated, _ = investigated
    # the table of one run, ended by an error: its verdict weighed that evidence
    one = " ".join(investigated.split())  # (wrapped at the terminal's width)
    assert "trust: no replay checked this verdict (log): it names where to look first" in one, investigated
    assert "trust: it rests on the run's own evidence (log + …): the why: line says" in one, investigated
    assert "is not calibrated" in one and "trust: check a verdict with ws.steps(run_id)" in one, investigated
    assert "named by the model alone" not in one, investigated  # (no such verdict in the table)
    # a table of several kinds (its culprit cells as investigate writes them): each kind said, with its count
    from workbench._trust import trust_lines

    cells = ["pricer 80% (log + error)", "Verification_Expert 50% (log)", "Chess_Expert 47% uncertain (log)"]
    flat = " ".join(trust_lines([*cells, "triage (only agent), step 90% (log)", "pricer 100%"]))
    assert "trust: no replay checked these 4 verdicts (log): each names where to look first" in flat
    assert "trust: 2 named by the model alone: their N% is no chance of being right on a system" in flat
    assert "the model's sure verdicts named the right agent 49% and 58% of the time" in flat
    assert "trust: 1 rests on the run's own evidence" in flat
    assert "trust: 1 run has one agent (or one that talks): no choice of agent" in flat
    assert trust_lines(["pricer 100%", "-"]) == []  # replay verdicts: nothing to say
    # (%workbench investigate says it too: tests/browser/test_ux40_in_lab.py reads it under the magic's table)


def test_json_verdict_says_what_its_confidence_is() -> None:
    # --json's "confidence": 0.78 of a log-only verdict weighed with evidence read as a probability; nothing said not
    from workbench._cli_report import _verdict

    def kind(method: str, params: dict) -> str:
        return _verdict(("pricer", 0.78, method, params), "s4", "cell")["confidence_kind"]

    assert kind("blame_model", {"evidence": "silent_failure"}) == "evidence_weighed"
    assert kind("blame_model", {"uncertain": "true"}) == "model_calibrated"
    assert kind("shapley", {}) == "blame_share"


def _desk(system: str, hour: int, run_id: str, outcome: str, slow: bool = False) -> list[dict]:
    out: list[dict] = [{"record": "run", "run_id": run_id, "system": system, "outcome": outcome}]
    for i in range(2):
        out.append(
            {
                "run_id": run_id,
                "step_id": f"{run_id}-s{i}",
                "agent": "pricer" if system == "desk-b" else "clerk",
                "kind": "tool",
                "tool": "price",
                "input": {"sku": f"{run_id}-{i}"},
                "latency_ms": 5000.0 if slow and i == 1 else 100.0,
                "started_at": f"2026-01-01T{hour:02d}:00:{i:02d}Z",
                "ended_at": f"2026-01-01T{hour:02d}:00:{i:02d}.5Z",
            }
        )
    return out


@pytest.fixture(scope="module")
def two_systems(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """desk-a: 6 runs, 2 failed; desk-b: 10 runs, one failed on a 5 s step (the HITL rule's signal); desk-c (one run)
    and desk-d (two) of unknown outcome."""
    here = tmp_path_factory.mktemp("walk50_policy")
    records: list[dict] = []
    for r in range(6):
        records += _desk("desk-a", r, f"a{r}", "failure" if r < 2 else "success")
    for r in range(10):
        records += _desk("desk-b", 6 + r, f"b{r}", "failure" if r == 0 else "success", slow=r == 0)
    records += _desk("desk-c", 16, "c0", "unknown")  # (systems whose logs never say how a run ended)
    records += _desk("desk-d", 17, "d0", "unknown") + _desk("desk-d", 18, "d1", "unknown")
    log = here / "two.jsonl"
    log.write_text("".join(json.dumps(x) + "\n" for x in records))
    db = here / "two.duckdb"
    assert _cli(["ingest", str(log), "--db", str(db), "--quiet"])[0] == 0
    return db


def test_policy_suggest_system_with_the_findings_method(two_systems: Path) -> None:
    db, out = two_systems, two_systems.parent / "desk-b.yaml"
    code, said = _cli(["policy", "suggest", "--db", str(db), "--system", "desk-b", "-o", str(out), "--quiet"])
    assert code == 0, said
    policy = wb.Policy.from_yaml(out)
    assert policy.provenance.sweep["system"] == "desk-b" and policy.provenance.runs == 10, said
    assert policy.provenance.source == "policy_from_findings"
    flat = " ".join(said.split())
    assert "learned from the 10 runs of system 'desk-b' (the store holds 19 runs of 4 systems)" in flat, said
    assert "backtest on the others" not in flat  # (the note of a held-out split: no such split here)
    # (policy backtest reads the sweep's system: tests/test_walk49_policy_system.py)
    # a name the store has not: refused, naming those it has (the command's own check, before any policy is made)
    from workbench._cli_system import system_runs
    from workbench.exceptions import InvalidParameterError

    with wb.open(db) as ws, pytest.raises(InvalidParameterError) as refused:
        system_runs(ws, "nope")
    assert "--system 'nope': no runs of it here (systems: 'desk-a', 'desk-b', 'desk-c', 'desk-d')" in str(
        refused.value
    )
    # a system of no known outcome: refused, saying so of that system (the store has others) and naming the option
    bare = two_systems.parent / "desk-c.yaml"
    code, said = _cli(
        ["policy", "suggest", "--db", str(db), "--system", "desk-c", "-o", str(bare), "--quiet"]
    )
    flat = " ".join(said.split())
    assert code == 2 and not bare.exists(), said
    assert "no run with a known outcome among the runs of system 'desk-c'" in flat, said
    assert "here: workbench policy suggest ... --method peaks --system desk-c" in flat, said


def test_policy_suggest_over_several_systems_names_the_option() -> None:
    # the library's note (tests/policy/test_policy12_suggest_limits.py) in the command line's words: its way to one
    # system is its own option now, not another method
    from workbench._cli_policy import _cli_words

    note = "limits learned over 2 systems at once ('desk-a', 'desk-b'): wb.suggest_limits(ws) gives limits per system"
    assert _cli_words(note) == (
        "limits learned over 2 systems at once ('desk-a', 'desk-b'): --system NAME learns a policy from one "
        "system's runs"
    )


def test_backtest_of_runs_of_unknown_outcome_says_nothing_was_weighed(two_systems: Path) -> None:
    db, policy = two_systems, two_systems.parent / "one-call.yaml"
    wb.Policy(budgets=wb.policy.Budgets(max_tool_calls_run=1)).to_yaml(policy)
    # desk-d's two runs: their log never says how they ended
    code, said = _cli(["policy", "backtest", str(policy), "--db", str(db), "--system", "desk-d", "--quiet"])
    assert code == 0, said
    flat = " ".join(said.split())
    assert "nothing was backtested: all 2 runs here are of unknown outcome" in flat, said
    assert f"Label outcomes in wb.open({str(db)!r})" in flat and 'ws.runs(outcome="unknown")' in flat, said
    # the command line's own way (investigate's advice): a file of label records, ingested. It failed, exit 2 "no
    # records read", with the label stored. A label for a run the store lacks (a typo) counted as a run touched,
    # and the labels were counted on two lines (the report's, then the command line's own)
    labels = two_systems.parent / "labels.jsonl"
    labels.write_text(
        "".join(
            json.dumps({"record": "label", "run_id": r, "outcome": "failure"}) + "\n" for r in ("d1", "d9")
        )
    )
    code, said = _cli(["ingest", str(labels), "--db", str(db), "--quiet"])
    assert code == 0 and said.count("label") == 1, said
    assert (
        "1 run touched; 2 labels read (1 names a run the store holds no step of: 'd9'; kept as given, it applies "
        "when that run's logs are ingested)" in said
    ), said
    with wb.open(db) as ws:  # (the next backtest weighs it)
        assert "d1" in set(ws.runs(outcome="failure")["run_id"])
        # d9, of no step: no run (it was a failed run of 0 steps in ws.runs, investigate's counts, the tuners'),
        # its label kept
        assert "d9" not in set(ws.runs()["run_id"]) and len(ws.runs()) == 19
        assert "d9" in set(ws.con.execute("SELECT run_id FROM labels").fetchnumpy()["run_id"])
    with wb.open() as ws:  # (the README's promise: labels given before their logs apply once the logs come)
        ws.ingest(labels, progress=False)
        ws.ingest(_desk("desk-d", 19, "d9", "unknown")[1:], progress=False)
        assert ws.runs()[["run_id", "outcome", "outcome_source"]].values.tolist() == [
            ["d9", "failure", "label"]
        ]
