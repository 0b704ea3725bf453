"""walk49: a policy of one system's limits, on a store of several systems (a mix of framework logs in one store).

- ``workbench ingest`` printed its report and stopped: nothing said what the store it wrote was for (now a ``next:``
  line on stderr);

- ``workbench policy suggest --method peaks --system A`` took its HITL rule from the findings' proposal over the
  whole store: rules for other systems' agents, at thresholds priced on their runs (on the mix of the project's
  framework fixtures, six ``latency_ms`` rules for agents of other systems in a policy of ``pai-quote-desk``);
- ``workbench policy backtest`` of that policy replayed every system's runs through it (105 runs, 31 cut by a
  ``max_depth`` of 3 never meant for them), and had no way to name a system;
- the ``max_repeats 2`` note beside the loop detector's "called lookup_price with the same arguments 3 times in a
  row" on the same runs read as a limit those runs went past, though it stops none: the guard counts the calls made
  *again* (a third call is the second repeat), so the note says what the number lets through.

The store is written here: system ``desk-a`` (6 successful runs, each making the same call 3 times) and ``desk-b``
(10 runs, one failed on a 5 s step: the findings' proposal prices a latency HITL rule on it).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import workbench as wb
from workbench.cli import main


def _run(
    system: str, hour: int, run_id: str, outcome: str, agent: str, calls: list[tuple[str, float]]
) -> list[dict]:
    out: list[dict] = [{"record": "run", "run_id": run_id, "system": system, "outcome": outcome}]
    for i, (sku, latency) in enumerate(calls):
        out.append(
            {
                "run_id": run_id,
                "step_id": f"{run_id}-s{i}",
                "agent": agent,
                "kind": "tool",
                "tool": "price",
                "input": {"sku": sku},
                "latency_ms": latency,
                "started_at": f"2026-01-01T{hour:02d}:00:{i:02d}Z",
                "ended_at": f"2026-01-01T{hour:02d}:00:{i:02d}.5Z",
            }
        )
    return out


INGEST_SAID: list[str] = []  # what `workbench ingest` wrote to stderr, in the fixture


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str]:
    """The two systems' store, and desk-a's peaks policy written by the CLI (with what it said on stderr)."""
    import contextlib
    import io

    here = tmp_path_factory.mktemp("walk49_policy")
    records: list[dict] = []
    for r in range(6):
        records += _run("desk-a", r, f"a{r}", "success", "clerk", [("x", 100.0)] * 3)
    for r in range(10):
        failed = r == 0
        records += _run(
            "desk-b",
            6 + r,
            f"b{r}",
            "failure" if failed else "success",
            "pricer",
            [(f"{r}-{i}", 5000.0 if failed and i == 1 else 100.0) for i in range(2)],
        )
    log = here / "two.jsonl"
    log.write_text("".join(json.dumps(x) + "\n" for x in records))
    db, policy = here / "two.duckdb", here / "desk-a.yaml"
    # the store by `workbench ingest` (what it says on stderr is kept for its own test), then the policy from it
    ingested, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stderr(ingested), contextlib.redirect_stdout(io.StringIO()):
        assert main(["ingest", str(log), "--db", str(db), "--quiet"]) == 0
    with contextlib.redirect_stderr(err):
        argv = ["policy", "suggest", "--db", str(db), "-o", str(policy), "--quiet", "--method", "peaks"]
        assert main([*argv, "--system", "desk-a"]) == 0
    INGEST_SAID.append(ingested.getvalue())
    return db, policy, err.getvalue()


def test_peaks_policy_of_one_system_takes_no_hitl_rule_from_another(store: tuple[Path, Path, str]) -> None:
    _, path, said = store
    policy = wb.Policy.from_yaml(path)
    # desk-a has no failed run: nothing to price a threshold on; the 5 s threshold was desk-b's
    assert policy.hitl == (), policy.hitl
    assert "no HITL rule: no threshold on latency_ms" in said, said


def test_max_repeats_note_says_what_it_lets_through(store: tuple[Path, Path, str]) -> None:
    _, path, said = store
    notes = wb.Policy.from_yaml(path).provenance.notes
    line = next(n for n in notes if n.startswith("max_repeats"))
    assert line.startswith("max_repeats 2 (the same call, succeeding, passes 3 times; a 4th is stopped): "), (
        line
    )
    assert line in said


def test_backtest_replays_the_system_the_policy_was_learned_for(
    store: tuple[Path, Path, str], capsys: pytest.CaptureFixture[str]
) -> None:
    db, policy, _ = store
    assert main(["policy", "backtest", str(policy), "--db", str(db), "--quiet", "--json"]) == 0
    out = capsys.readouterr()
    doc = json.loads(out.out)
    assert doc["system"] == "desk-a" and doc["summary"]["runs"] == 6, doc["summary"]
    assert "backtesting the 6 runs of system 'desk-a', the one" in out.err and "--system NAME" in out.err, (
        out.err
    )
    # --system names another (its runs: desk-b's ten), and one the store does not hold is refused, naming those it does
    assert (
        main(["policy", "backtest", str(policy), "--db", str(db), "--quiet", "--json", "--system", "desk-b"])
        == 0
    )
    assert json.loads(capsys.readouterr().out)["summary"]["runs"] == 10
    assert main(["policy", "backtest", str(policy), "--db", str(db), "--quiet", "--system", "desk-c"]) == 2
    err = capsys.readouterr().err
    assert "--system 'desk-c': no runs of it here (systems: 'desk-a', 'desk-b')" in err, err


def test_ingest_says_what_to_run_on_the_store_it_wrote(store: tuple[Path, Path, str]) -> None:
    db, _, _ = store
    said = " ".join(INGEST_SAID[0].split())
    assert (
        f"next: `workbench investigate --db {db}` names a culprit agent and step per failed run;" in said
    ), said
    assert f"`workbench policy suggest --db {db} -o policy.yaml` proposes a guard policy" in said, said


def test_runs_without_parent_links_give_no_depth_limit(store: tuple[Path, Path, str]) -> None:
    """Every step a root (no parent links: Who&When's turns, these native steps): the peaks' depth is 0 everywhere
    and the policy said "max_depth 0", which a live guard reads as "stop any nested step"."""
    _, path, said = store
    policy = wb.Policy.from_yaml(path)
    assert policy.breakers.max_depth is None, policy.breakers
    assert "max_depth: no limit (no step carries a depth (no parent links))" in said, said
