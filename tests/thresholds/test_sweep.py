"""Threshold sweeps: checked against a brute-force count, scikit-learn's threshold tuner, and stores
without log-probabilities."""

from __future__ import annotations

import functools

import numpy as np
import pytest

import workbench as wb

CONTAINERS = ("agent", "system")


@functools.lru_cache(maxsize=2)
def _frames(ws):
    steps = ws.sql("SELECT * FROM steps").df()
    steps = steps[~steps["kind"].isin(CONTAINERS)]
    labelled = ws.sql("SELECT run_id, step_id FROM labels WHERE step_id IS NOT NULL").df()
    all_steps = ws.sql("SELECT run_id, step_id, seq FROM steps").df()
    decisive = labelled.merge(all_steps, on=["run_id", "step_id"]).groupby("run_id")["seq"].min()
    return steps, decisive, dict(tuple(steps.groupby("run_id")))


def brute_force(ws, signal: str, t: float, below: bool) -> dict[str, int]:
    """The sweep's numbers at t, counted with pandas from the store's rows, run by run."""
    steps, decisive, by_run = _frames(ws)
    escalated = caught = false = n_steps = 0
    for run in ws.runs().itertuples():
        s = by_run.get(run.run_id, steps.iloc[:0])
        v = s[signal]
        hit = ((v <= t) if below else (v >= t)).fillna(False).astype(bool)
        n_steps += int(hit.sum())
        if hit.any():
            escalated += 1
            false += run.outcome == "success"
        if run.outcome == "failure":
            d = decisive.get(run.run_id)
            pre = hit if d is None else hit & (s["seq"] <= d)
            caught += bool(pre.any())
    return {
        "escalated_runs": escalated,
        "failures_caught": caught,
        "false_escalations": false,
        "escalated_steps": n_steps,
    }


def test_sweep_matches_a_brute_force_count(sweep_ws) -> None:
    for signal, below in (("entropy", False), ("confidence", True)):
        sweep = wb.sweep_thresholds(sweep_ws, signal=signal)
        for q in (0.05, 0.5, 0.95):
            t = float(sweep.curve["threshold"].quantile(q))
            point = sweep.at(t)
            assert {
                k: getattr(point, k)
                for k in ("escalated_runs", "failures_caught", "false_escalations", "escalated_steps")
            } == brute_force(sweep_ws, signal, t, below)
            assert point.cost == 1.0 * point.escalated_runs + 20.0 * (
                sweep.n_failures - point.failures_caught
            )


def test_running_count_signals_match_the_guard(sweep_ws) -> None:
    # tool_calls: the count of tool calls so far, as the guard counts it; a threshold of 1 escalates
    # every run with a tool call, at the first one.
    sweep = wb.sweep_thresholds(sweep_ws, signal="tool_calls")
    with_tools = sweep_ws.sql("SELECT count(DISTINCT run_id) FROM steps WHERE kind = 'tool'").fetchall()[0][0]
    assert sweep.at(1).escalated_runs == with_tools
    report = wb.backtest(wb.Policy(hitl=(wb.policy.HitlRule("retries", 1),)), sweep_ws)
    assert sweep.__class__ is wb.ThresholdSweep
    retries = wb.sweep_thresholds(sweep_ws, signal="retries")
    assert retries.at(1).escalated_runs == report.summary["reviews"] > 0


def test_curve_is_tidy_and_monotone(sweep_ws) -> None:
    sweep = wb.sweep_thresholds(sweep_ws, signal="entropy")
    c = sweep.curve
    assert list(c.columns) == [
        "threshold",
        "escalated_runs",
        "escalation_rate",
        "escalated_steps",
        "step_escalation_rate",
        "failures_caught",
        "false_escalations",
        "precision",
        "recall",
        "cost",
    ]
    assert c["threshold"].is_monotonic_increasing
    assert c["escalated_runs"].is_monotonic_decreasing and c["failures_caught"].is_monotonic_decreasing
    assert c["cost"].min() == pytest.approx(min(sweep.best.cost, sweep.at(None).cost))
    assert (
        sweep.at(None).escalated_runs == 0 and sweep.at(0.0).escalation_rate == 1.0
    )  # (entropy >= 0: every run)
    assert "entropy" in repr(sweep)


def test_budget_and_per_agent(sweep_ws) -> None:
    single = wb.sweep_thresholds(sweep_ws, signal="entropy", budget=0.1, per_agent=True)
    assert single.best.escalation_rate <= 0.1
    joint = single.best_per_agent
    assert joint is not None and joint.escalation_rate <= 0.1 and joint.cost <= single.best.cost
    assert set(joint.threshold) == set(single.agents)
    # the joint point is what at() says for those thresholds, and a policy carries one rule per agent
    assert single.at(joint.threshold) == joint
    policy = single.to_policy()
    assert {r.agent for r in policy.hitl} == {a for a, t in joint.threshold.items() if t is not None}
    assert policy.provenance.sweep["signal"] == "entropy" and policy.provenance.runs == single.n_runs
    with pytest.raises(ValueError, match="no agent 'nobody'"):
        single.at({"nobody": 1.0})


def test_cross_check_with_sklearn_tuned_threshold(sweep_ws) -> None:
    """With no labelled steps, caught = escalated anywhere, and the run-level problem is a classifier
    on the run's highest entropy: scikit-learn's TunedThresholdClassifierCV with the same cost as
    scorer must find a threshold of the same cost."""
    from sklearn.base import BaseEstimator, ClassifierMixin
    from sklearn.metrics import make_scorer
    from sklearn.model_selection import TunedThresholdClassifierCV

    ws = sweep_ws.copy()  # (a copy of its own: the step labels go)
    ws.con.execute("DELETE FROM labels WHERE step_id IS NOT NULL")
    sweep = wb.sweep_thresholds(ws, signal="entropy", cost_review=1.0, cost_failure=5.0)
    data = ws.sql("""SELECT r.run_id, r.outcome = 'failure' AS failed, max(s.entropy) AS x
                     FROM runs r JOIN steps s USING (run_id) GROUP BY ALL ORDER BY r.run_id""").df()
    X, y = data[["x"]].fillna(-1.0).to_numpy(), data["failed"].to_numpy().astype(int)

    class Identity(ClassifierMixin, BaseEstimator):
        def fit(self, X, y):
            self.classes_ = np.array([0, 1])
            return self

        def decision_function(self, X):
            return X[:, 0]

    def neg_cost(y_true, y_pred):
        return -(1.0 * y_pred.sum() + 5.0 * ((y_true == 1) & (y_pred == 0)).sum())

    tuned = TunedThresholdClassifierCV(
        Identity().fit(X, y),
        scoring=make_scorer(neg_cost),
        response_method="decision_function",
        thresholds=sweep.curve["threshold"].to_numpy(),
        cv="prefit",
        refit=False,
    )
    tuned.fit(X, y)
    assert -tuned.best_score_ == pytest.approx(min(sweep.best.cost, sweep.at(None).cost))
    assert sweep.at(tuned.best_threshold_).cost == pytest.approx(sweep.best.cost)


def test_store_without_logprobs_says_which_signals_exist(tmp_path) -> None:
    ws = wb.open()
    records = [
        {"record": "run", "run_id": f"r{i}", "outcome": "failure" if i % 3 == 0 else "success"}
        for i in range(6)
    ]
    records += [
        {
            "record": "step",
            "run_id": f"r{i}",
            "step_id": f"s{j}",
            "agent": "a",
            "kind": "tool",
            "tool": "t",
            "status": "ok",
            "started_at": 1_000_000_000 * j,
            "ended_at": 1_000_000_000 * j + 5e8,
        }
        for i in range(6)
        for j in range(3)
    ]
    ws.ingest(records, progress=False)
    avail = wb.available_signals(ws).set_index("signal")["steps"]
    assert avail["entropy"] == 0 and avail["latency_ms"] == 18
    with pytest.raises(ValueError) as err:
        wb.sweep_thresholds(ws, signal="entropy")
    msg = str(err.value)
    assert "no step in this store has a value for 'entropy'" in msg and "log-probabilities" in msg
    assert "latency_ms (18 steps)" in msg and "tool_calls (18 steps)" in msg
    sweep = wb.sweep_thresholds(ws, signal="latency_ms")  # an offered signal works
    assert sweep.at(500.0).escalated_runs == 6
    with pytest.raises(ValueError, match="no step in this store has a confidence"):
        wb.confidence_calibration(ws)


def test_store_of_unknown_outcomes_says_so_not_that_signals_are_missing() -> None:
    # any-agent's traces (an invoke_agent root never given a status): every LLM call has its latency and
    # tokens, but no run says whether it failed. "no step has a value for 'latency_ms'" was false.
    ws = wb.open()
    records = [{"record": "run", "run_id": f"r{i}", "outcome": "unknown"} for i in range(3)]
    records += [
        {
            "record": "step",
            "run_id": f"r{i}",
            "step_id": f"s{j}",
            "agent": "any_agent",
            "kind": "llm",
            "status": "ok",
            "tokens_in": 395,
            "started_at": 1_000_000_000 * j,
            "ended_at": 1_000_000_000 * j + 3e8,
        }
        for i in range(3)
        for j in range(3)
    ]
    ws.ingest(records, progress=False)
    assert set(ws.runs().outcome) == {"unknown"}
    for signal in ("latency_ms", "entropy"):
        with pytest.raises(wb.InvalidParameterError) as err:
            wb.sweep_thresholds(ws, signal=signal)
        assert "no run of this store has a known outcome" in str(err.value) and "ws.label(" in str(err.value)
        assert "no step in this store has a value" not in str(err.value)


def test_calibration_of_confidence(sweep_ws) -> None:
    cal = wb.confidence_calibration(sweep_ws, n_bins=5)
    assert list(cal.columns) == ["mean_confidence", "success_rate", "steps", "gap"]
    assert len(cal) == 5 and cal["mean_confidence"].is_monotonic_increasing
    assert ((cal["success_rate"] >= 0) & (cal["success_rate"] <= 1)).all()
    n = sweep_ws.sql("SELECT count(*) FROM steps WHERE confidence IS NOT NULL").fetchall()[0][0]
    assert cal["steps"].sum() == n
    # each bin's steps are the ones its rate and mean were taken over (a histogram of other edges miscounted them)
    successes = cal["success_rate"] * cal["steps"]
    assert np.allclose(successes, successes.round())


def test_reliability_bins_are_scikit_learns() -> None:
    """The calibration's bins, made with numpy (importing scikit-learn cost the tuner a second), are
    ``calibration_curve``'s to the bit: random confidences, values on the edges, bins left empty, one value
    repeated (quantile edges that coincide), one outcome only."""
    from sklearn.calibration import calibration_curve

    from workbench.thresholds._calibration import reliability_bins

    rng = np.random.default_rng(55)
    cases = [
        rng.random(200),
        rng.choice([0.0, 0.1, 0.5, 0.9, 1.0], 60),  # on the uniform edges, and the quantile ones repeat
        np.round(rng.random(80), 1),
        rng.beta(0.2, 0.2, 50),  # most bins of 10 uniform ones empty
        np.full(7, 0.3),
        np.array([1.0]),
    ]
    for i, conf in enumerate(cases):
        for y in (rng.random(conf.size) < 0.6, np.ones(conf.size, bool)):
            for n_bins in (2, 5, 10):
                for strategy in ("quantile", "uniform"):
                    rate, mean, steps = reliability_bins(y, conf, n_bins, strategy)
                    want_rate, want_mean = calibration_curve(y, conf, n_bins=n_bins, strategy=strategy)
                    assert np.array_equal(rate, want_rate) and np.array_equal(mean, want_mean), (i, strategy)
                    assert steps.sum() == conf.size and (steps > 0).all()


def test_bad_parameters(sweep_ws) -> None:
    with pytest.raises(ValueError, match="signal must be one of"):
        wb.sweep_thresholds(sweep_ws, signal="vibes")
    with pytest.raises(ValueError, match="'budget' must be"):
        wb.sweep_thresholds(sweep_ws, budget=2.0)
    with pytest.raises(ValueError, match="'cost_review' must be >= 0"):
        wb.sweep_thresholds(sweep_ws, cost_review=-1)
