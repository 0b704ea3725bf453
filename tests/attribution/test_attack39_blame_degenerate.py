"""BlameModel's options (run_contrast, agent_aggregation) on degenerate runs (attack39).

Before: runs of one move each raised sklearn's "This solver needs samples of at least 2 classes in the data" from
deep in fit, whatever the options, naming neither the runs nor what they lack. What held: agents named "" or with
10,000 characters, with every run_contrast and agent_aggregation (a verdict a failed run, no NaN)."""

from __future__ import annotations

import pytest

import workbench as wb

T0 = 1_796_000_000_000_000_000


def _runs(agents: list[str], moves: int, n_runs: int = 12) -> list[dict]:
    recs: list[dict] = []
    for r in range(n_runs):
        run_id, failed = f"r{r}", r % 2 == 0
        recs.append({"record": "run", "run_id": run_id, "outcome": "failure" if failed else "success"})
        for k in range(moves):
            recs.append(
                {
                    "run_id": run_id,
                    "step_id": f"s{k}",
                    "agent": agents[k % len(agents)],
                    "kind": "llm",
                    "started_at": T0 + r * 10**10 + k * 10**8,
                    "output": f"answer {k}",
                    "tokens_in": 10 + k,
                }
            )
        if failed:
            k = (r // 2) % moves
            recs.append(
                {"record": "label", "run_id": run_id, "agent": agents[k % len(agents)], "step_id": f"s{k}"}
            )
    return recs


@pytest.mark.parametrize("run_contrast", [None, "rank"])
def test_runs_of_one_move_are_a_clear_error(run_contrast: str | None) -> None:
    ws = wb.open()
    ws.ingest(_runs(["a", "b"], moves=1), progress=False)
    with pytest.raises(wb.WorkbenchError, match="every move of the 6 labelled runs fitted on is its culprit"):
        wb.BlameModel(run_contrast=run_contrast).fit(ws)


@pytest.mark.parametrize(("run_contrast", "agent_aggregation"), [("rank", "noisy_or"), ("scaled", "mass")])
def test_agents_named_empty_or_long_get_verdicts(run_contrast: str, agent_aggregation: str) -> None:
    ws = wb.open()
    ws.ingest(_runs(["", "x" * 10_000, "c"], moves=3), progress=False)
    model = wb.BlameModel(run_contrast=run_contrast, agent_aggregation=agent_aggregation).fit(ws)
    verdicts = model.predict(ws)
    assert len(verdicts) == 6 and not verdicts.select_dtypes("number").isna().any().any()
