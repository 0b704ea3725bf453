"""What a first-time SRE met on a policy's walk (ux48: suggest → export → validate → backtest, on the real smolagents
order desk, four runs, and on the eight framework desks in notebook 03), each on the least store that shows it:

- ``policy_from_findings`` with no HITL threshold that pays chose a per-agent set giving no agent a rule, and its note
  read "HITL on latency_ms: 0.0% of runs escalated, 0 of 1 failures caught in time" over a policy with no HITL rule;
- ``suggest_limits(...).to_policy()`` repeated the basis's caveat ("3 successful, fewer than 5: limits are where the
  runs went, not what normal runs need") in every limit's note, ten times, and wrote "p99 of 4 all runs";
- a backtest that stops nothing said "prevented 0 (0%), review rate 0.0%, cut 0.0%" and no word of why;
- the CLI named a Python call (``wb.suggest_limits(ws)``) for what is its ``--method peaks``; its backtest table's
  latency limit had no unit ("34100" apart from the rule's name); and there was no way to check a hand-edited policy
  file but a backtest (minutes of ingest) or Python: ``workbench policy validate``.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import workbench as wb
from workbench.cli import main
from workbench.policy import Breakers


def _records(runs: int, failed_every: int) -> list[dict]:
    out: list[dict] = []
    for r in range(runs):
        out.append(
            {
                "record": "run",
                "run_id": f"r{r}",
                "system": "desk",
                "outcome": "failure" if r % failed_every == 0 else "success",
            }
        )
        out += [
            {
                "run_id": f"r{r}",
                "step_id": f"s{i}",
                "agent": "clerk",
                "kind": "tool",
                "tool": "price",
                "input": {"sku": f"{r}-{i}"},
                "latency_ms": 100.0,
                "started_at": f"2026-01-01T10:{r:02d}:0{i}Z",
                "ended_at": f"2026-01-01T10:{r:02d}:0{i}.1Z",
            }
            for i in range(2)
        ]
    return out


@pytest.fixture(scope="module")
def flat() -> wb.Workspace:
    """12 runs, one in 3 failed, every step 100 ms: no latency threshold tells a failed run from a good one."""
    ws = wb.open()
    ws.ingest(_records(12, 3), progress=False)
    return ws


def test_no_paying_threshold_is_said_as_no_hitl_rule(flat: wb.Workspace) -> None:
    policy = wb.policy_from_findings(flat, findings=pd.DataFrame({"run_id": [], "detector": []}))
    assert policy.hitl == ()
    notes = policy.provenance.notes
    assert not any(n.startswith("HITL on") for n in notes), notes
    assert (
        "no HITL rule: no threshold on latency_ms sending at most 10% of runs to review costs less than "
        "reviewing no run (a review 1, a missed failure 20)"
    ) in notes, notes


def test_the_limits_caveat_is_said_once(flat: wb.Workspace) -> None:
    notes = wb.suggest_limits(flat, min_runs=20).to_policy().provenance.notes
    assert sum("fewer than 20" in n for n in notes) == 1 and "fewer than 20" in notes[0], notes
    assert (
        "max_tool_calls_run 2: p99 of all 12 runs' peaks; stops 0 failed, 0 successful, 0 unknown runs"
        in notes
    )


def test_a_backtest_that_stops_nothing_says_why(flat: wb.Workspace) -> None:
    said = repr(wb.backtest(wb.Policy(), flat))
    assert said.endswith("successes lost 0; the policy has no rule: it stops nothing>"), said
    said = repr(wb.backtest(wb.Policy(breakers=Breakers(max_depth=9)), flat))
    assert "; none of its 1 rule stepped in: no run went past a limit or crossed a threshold" in said, said


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Four runs (three successful: too few to weigh a limit against) in a store file."""
    db = tmp_path_factory.mktemp("ux48walk") / "desk.duckdb"
    with wb.open(db) as ws:
        ws.ingest(_records(4, 4), progress=False)
    return db


def test_the_cli_walk_names_its_own_option_units_and_validates(
    desk: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "policy.yaml"
    assert main(["policy", "suggest", "--db", str(desk), "-o", str(out), "--quiet"]) == 0
    err = capsys.readouterr().err
    assert (
        "fewer than 5 successful runs to weigh it against (3 in all); policy suggest --method peaks sets limits"
        in err
    ), err
    assert "wb.suggest_limits" not in err
    # validate: the rules (none here, said), then a file a person edited, then a wrong one named
    assert main(["policy", "validate", str(out)]) == 0
    got = capsys.readouterr()
    assert got.out == f"{out}: valid (workbench.policy/v4, version 1): 0 rules (none)\n"
    assert "has no rule: a guard with it stops nothing" in got.err
    edited = tmp_path / "edited.yaml"
    edited.write_text("schema: workbench.policy/v4\nbreakers: {max_step_latency_ms: 30000}\n", "utf-8")
    assert main(["policy", "validate", str(edited)]) == 0
    assert (
        capsys.readouterr().out == f"{edited}: valid (workbench.policy/v4, version 1): 1 rule "
        "(max_step_latency_ms 30,000 ms)\n"
    )
    wrong = tmp_path / "wrong.yaml"
    wrong.write_text("schema: workbench.policy/v4\nbreakers: {max_latency_ms: 3}\n", "utf-8")
    assert main(["policy", "validate", str(edited), str(wrong)]) == 2
    assert f"{wrong}: breakers: unknown field 'max_latency_ms'" in capsys.readouterr().err
    # the backtest's table: the latency limit with its unit
    assert main(["policy", "backtest", str(edited), "--db", str(desk), "--quiet"]) == 0
    table = capsys.readouterr().out
    assert "30,000 ms" in table and "none of its 1 rule stepped in" in table, table
