"""A failed or timed-out replay is evidence of nothing: no verdict from replays that did not run."""

from __future__ import annotations

import itertools
import math
import time

import pytest
from test_attribute_fake import AGENTS, _ws

import workbench as wb
from workbench.attribution import attribute, shapley
from workbench.attribution._verdict import blame_table


def _fixes(replaced: frozenset[str]) -> bool:
    return "pricer" in replaced or "s007" in replaced


def test_a_replay_that_always_raises_gives_no_verdict() -> None:
    ws, _ = _ws()

    def broken(run_id, intervention):
        raise ConnectionError("sandbox unreachable")

    for method in ("shapley", "ablation"):
        with pytest.raises(wb.ReplayError, match="as recorded: ConnectionError: sandbox unreachable"):
            attribute(ws, "r", broken, method=method)
    assert ws.count("attributions") == 0


def test_the_fully_replaced_run_must_replay() -> None:
    ws, _ = _ws()

    def replay(run_id, intervention):
        if intervention.agents == frozenset(AGENTS):
            raise RuntimeError("baseline stack down")
        return _fixes(intervention.agents | intervention.steps)

    with pytest.raises(wb.ReplayError, match="every agent replaced: RuntimeError: baseline stack down"):
        attribute(ws, "r", replay)


def test_failures_that_cannot_change_the_culprit_are_reported() -> None:
    ws, _ = _ws()
    # the replays replacing the verifier with exactly one other agent fail; pricer alone decides
    bad = {frozenset({"verifier", a}) for a in AGENTS if a != "verifier"}

    def replay(run_id, intervention):
        if intervention.agents in bad:
            raise RuntimeError("flaky")
        return _fixes(intervention.agents | intervention.steps)

    res = attribute(ws, "r", replay)
    assert sorted(res.failed) == sorted(tuple(sorted(b)) for b in bad)
    assert len(res.errors) == len(bad) and all("flaky" in e for e in res.errors)
    assert not res.inconclusive and res.verdict.culprit == "pricer"
    assert res.verdict.failed_replays == len(bad)
    assert f"{len(bad)} replays failed" in res.verdict.explanation
    blame = res.values.set_index("player")
    # the pricer's blame is 1 whatever the failed replays gave, so its bounds say [lo, hi] around it
    assert (
        blame.loc["pricer", "blame_low"] > blame.loc[["planner", "executor", "verifier"], "blame_high"].max()
    )


def test_failures_that_could_change_the_culprit_make_it_inconclusive() -> None:
    ws, _ = _ws()

    def replay(run_id, intervention):
        replaced = intervention.agents
        # had these succeeded, the executor would share the blame with the pricer
        if "executor" in replaced and "pricer" not in replaced:
            raise TimeoutError("replay worker lost")  # a replay's own TimeoutError is a failed replay
        return _fixes(replaced | intervention.steps)

    res = attribute(ws, "r", replay, decisive=False)
    assert res.inconclusive and res.verdict.culprit is None
    assert "inconclusive" in res.verdict.explanation
    assert "pricer" in res.verdict.explanation and "executor" in res.verdict.explanation
    assert len(res.failed) == 8 and all("TimeoutError: replay worker lost" in e for e in res.errors)
    stored = ws.sql(
        "SELECT target, params->>'inconclusive' FROM attributions WHERE unit = 'verdict'"
    ).fetchall()
    assert stored == [("", "true")]


def test_exact_bounds_cover_every_outcome_of_the_failed_replays() -> None:
    ws, _ = _ws()
    players = AGENTS
    truth = {
        frozenset(c): float(_fixes(frozenset(c)))
        for k in range(6)
        for c in itertools.combinations(players, k)
    }
    failing = [
        frozenset({"pricer", "executor"}),
        frozenset({"planner"}),
        frozenset({"retriever", "verifier"}),
    ]

    def replay(run_id, intervention):
        if intervention.agents in failing:
            raise RuntimeError("down")
        return truth[intervention.agents]

    res = attribute(ws, "r", replay, decisive=False, store=False)
    bounds = res.values.set_index("player")
    everyone = frozenset(players)
    seen = {p: [] for p in players}
    for outcomes in itertools.product((0.0, 1.0), repeat=len(failing)):
        table = {**truth, **dict(zip(failing, outcomes, strict=True))}
        phi = shapley(lambda kept, table=table: table[everyone - frozenset(kept)], players, method="exact")
        blame = blame_table(phi.values).set_index("player")["blame"]
        for p in players:
            assert bounds.loc[p, "blame_low"] - 1e-9 <= blame[p] <= bounds.loc[p, "blame_high"] + 1e-9
            seen[p].append(blame[p])
    for p in players:  # and the bounds are tight: some outcomes of the failed replays reach each
        assert min(seen[p]) == pytest.approx(bounds.loc[p, "blame_low"])
        assert max(seen[p]) == pytest.approx(bounds.loc[p, "blame_high"])


def test_sampled_shapley_bounds_with_failures() -> None:
    ws, _ = _ws()

    def replay(run_id, intervention):
        if intervention.agents == frozenset({"verifier"}):
            raise RuntimeError("down")
        return _fixes(intervention.agents | intervention.steps)

    res = attribute(ws, "r", replay, shapley_method="permutation", n_samples=40, seed=3, decisive=False)
    assert res.failed == [("verifier",)]
    assert res.params["shapley_method"] in ("permutation", "exact")
    assert res.verdict.culprit == "pricer" and not res.inconclusive


def test_a_failed_probe_ends_the_decisive_search_with_a_reason() -> None:
    ws, _ = _ws()

    def replay(run_id, intervention):
        if intervention.steps:  # no step-level replay works: the search's first probe fails
            raise RuntimeError("cannot repair all")
        return _fixes(intervention.agents | intervention.steps)

    res = attribute(ws, "r", replay)
    assert res.verdict.culprit == "pricer"
    assert res.decisive.step_id is None and "cannot repair all" in res.decisive.note
    assert any("cannot repair all" in e for e in res.errors)


def test_timeouts_are_failed_replays_not_failures() -> None:
    ws, _ = _ws()

    def replay(run_id, intervention):
        if intervention.agents == frozenset({"planner"}):
            time.sleep(2)
        return "success" if "pricer" in intervention.agents else "failure"

    res = attribute(ws, "r", replay, method="ablation", timeout=0.3, decisive=False)
    assert res.failed == [("planner",)] and any("timed out after 0.3 s" in e for e in res.errors)
    row = res.values.set_index("player").loc["planner"]
    assert (row["blame_low"], row["blame_high"]) == (0.0, 1.0) and math.isnan(row["std_err"])
    assert res.inconclusive  # the planner's replay might have saved the run too
