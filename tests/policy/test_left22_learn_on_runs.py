"""A policy learned on some runs of a store and backtested on the others, in one store
(``policy_from_findings(ws, runs=...)``, ``wb.backtest(policy, ws, runs=...)``): notebook 03 on one's own
logs needed a second store of later runs to backtest honestly. The runs not learned from must leave no trace
in the policy (it equals the policy learned from a store holding only those runs), and the backtest's counts
on the others are checked here by hand."""

from __future__ import annotations

import pandas as pd
import pytest

import workbench as wb

T0 = 1_767_225_600_000_000_000
S = 1_000_000_000


def _run(run_id: str, k: int, outcome: str, calls: int) -> list[dict]:
    """Run ``k``: a root span of 10 s (every run as long, so run latency separates nothing) enclosing
    ``calls`` tool calls of 50 ms, each with its own arguments (no loop), all ok."""
    start = T0 + k * 3600 * S
    recs: list[dict] = [
        {"record": "run", "run_id": run_id, "system": "shop", "task": "quote", "outcome": outcome},
        {
            "run_id": run_id,
            "step_id": "s00",
            "kind": "agent",
            "agent": "app",
            "name": "run",
            "started_at": start,
            "ended_at": start + 10 * S,
            "status": "ok",
        },
    ]
    for i in range(calls):
        t = start + S // 10 + i * S // 10
        recs.append(
            {
                "run_id": run_id,
                "step_id": f"s{i + 1:02d}",
                "parent_id": "s00",
                "kind": "tool",
                "agent": "worker",
                "tool": "get_price",
                "input": f'{{"sku": "A-{i}"}}',
                "output": f'{{"price": {10 + i}}}',
                "started_at": t,
                "ended_at": t + S // 20,
                "status": "ok",
            }
        )
    return recs


# learned from: 8 successes of 2 calls, 4 failures of 6; held out: 4 successes of 2, 1 success of 7, 3 failures of 6
OLD = [("ok", "success", 2)] * 8 + [("bad", "failure", 6)] * 4
NEW = [("ok", "success", 2)] * 4 + [("long", "success", 7)] + [("bad", "failure", 6)] * 3


def _records(runs: list[tuple[str, str, int]], prefix: str, k0: int) -> list[dict]:
    return [
        r
        for i, (name, outcome, calls) in enumerate(runs)
        for r in _run(f"{prefix}{i:02d}-{name}", k0 + i, outcome, calls)
    ]


@pytest.fixture(scope="module")
def stores() -> tuple[wb.Workspace, wb.Workspace]:
    both = wb.open()
    both.ingest(_records(OLD, "old", 0) + _records(NEW, "new", 100), progress=False)
    only_old = wb.open()
    only_old.ingest(_records(OLD, "old", 0), progress=False)
    return both, only_old


def _rules(p: wb.Policy) -> tuple:
    return p.breakers, p.budgets, p.loops, p.hitl


def test_learned_on_some_runs_equals_learned_on_a_store_of_only_those(stores) -> None:
    both, only_old = stores
    old = both.runs().query("run_id.str.startswith('old')")
    for signals in ((), ("latency_ms", "tool_calls")):
        scoped = wb.policy_from_findings(both, runs=old, signals=signals)
        alone = wb.policy_from_findings(only_old, signals=signals)
        assert _rules(scoped) == _rules(alone), signals
        assert scoped.provenance.runs == len(OLD) and scoped.provenance.failures == 4
        assert any(
            f"learned from {len(OLD)} of the store's {len(OLD) + len(NEW)} runs" in n
            for n in scoped.provenance.notes
        )
    # ids work as the frame does
    assert _rules(wb.policy_from_findings(both, runs=list(old["run_id"]), signals=())) == _rules(
        wb.policy_from_findings(both, runs=old, signals=())
    )


def test_backtest_on_the_runs_not_learned_from_counted_by_hand(stores) -> None:
    both, _ = stores
    runs = both.runs()
    old, new = runs[runs.run_id.str.startswith("old")], runs[runs.run_id.str.startswith("new")]
    policy = wb.policy_from_findings(both, runs=old, signals=())
    # failed runs make 6 calls, successful ones 2: the loosest limit cutting every failure and no success is 2
    assert policy.budgets.max_tool_calls_run == 2 and policy.hitl == ()
    held = wb.backtest(policy, both, runs=new)
    s = held.summary
    # by hand: 8 held-out runs; the 3 failures (6 calls) cut at their 3rd call: prevented; the success of 7
    # calls cut too: lost; the 4 successes of 2 calls run to the end
    assert (s["runs"], s["failures"], s["prevented"], s["successes_lost"], s["cut"]) == (8, 3, 3, 1, 4)
    assert set(held.runs.loc[held.runs.decision == "cut", "run_id"]) == set(
        new.loc[new.run_id.str.contains("bad|long"), "run_id"]
    )
    assert set(held.runs["run_id"]) == set(new["run_id"])
    learned = wb.backtest(policy, both, runs=old).summary
    assert (learned["runs"], learned["failures"], learned["prevented"], learned["successes_lost"]) == (
        12,
        4,
        4,
        0,
    )


def test_suggest_limits_and_sweeps_take_the_runs_too(stores) -> None:
    both, only_old = stores
    old = both.runs().query("run_id.str.startswith('old')")
    a = wb.sweep_thresholds(both, "tool_calls", runs=old)
    b = wb.sweep_thresholds(only_old, "tool_calls")
    assert (
        (a.n_runs, a.n_failures, a.best.threshold)
        == (b.n_runs, b.n_failures, b.best.threshold)
        == (12, 4, a.best.threshold)
    )
    la = wb.suggest_limits(both, runs=old, min_runs=2).table
    lb = wb.suggest_limits(only_old, min_runs=2).table
    pd.testing.assert_frame_equal(
        la.drop(columns=[c for c in la if "ids" in c]).reset_index(drop=True),
        lb.drop(columns=[c for c in lb if "ids" in c]).reset_index(drop=True),
    )


def test_runs_not_in_the_store_or_a_bare_string_are_refused(stores) -> None:
    both, _ = stores
    with pytest.raises(
        wb.InvalidParameterError,
        match=r"policy_from_findings: 1 of the runs given are not in "
        r"this store: 'nope'",
    ):
        wb.policy_from_findings(both, runs=["old00-ok", "nope"])
    with pytest.raises(TypeError, match="runs must be a list of run ids"):
        wb.backtest(wb.Policy(), both, runs="old00-ok")
    with pytest.raises(wb.InvalidParameterError, match="no run_id column"):
        wb.sweep_thresholds(both, "tool_calls", runs=pd.DataFrame({"id": ["old00-ok"]}))


def test_meets_on_runs_with_no_failure_says_there_was_nothing_to_catch(stores) -> None:
    both, _ = stores
    runs = both.runs()
    policy = wb.policy_from_findings(both, runs=runs[runs.run_id.str.startswith("old")], signals=())
    ok_only = wb.backtest(policy, both, runs=runs[runs.run_id.str.contains("new.*-ok")])
    met = ok_only.meets(prevented=0.5, review_rate=0.1)
    assert ok_only.summary["failures"] == 0 and met.nothing_to_catch
    # before: "does not meet: no failures to prevent (goal ≥ 50% ✗) ...", as if the policy had fallen short
    assert str(met) == (
        "nothing to catch: no failed run among these, so no share prevented to judge against the "
        "goal ≥ 50% · review rate 0.0% (goal < 10% ✓)"
    )
    assert not met and "does not meet" not in repr(met)
    held = wb.backtest(policy, both, runs=runs[runs.run_id.str.startswith("new")]).meets(prevented=0.5)
    assert (
        held and not held.nothing_to_catch and str(held).startswith("meets: prevented 3 of 3 failures (100%")
    )
