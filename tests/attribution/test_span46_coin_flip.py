"""span46: a verdict between agents is uncertain when its agent barely leads the runner-up (bench/protocol_blame46.md,
look D3). Before, ``uncertain`` was ``agent_confidence < 0.5``: on a system the shipped model never saw every
candidate of a run has the same calibrated confidence (TRAIL GAIA's two-agent runs: 0.506 each), so every
two-agent verdict said "sure" and a margin between confidences was 0."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from _whowhen_fixture import write_runs

import workbench as wb


def _verdicts() -> tuple[pd.DataFrame, pd.DataFrame]:
    # the confidences as the shipped model gives them on an unseen system: equal for both agents, just over 0.5
    v = pd.DataFrame(
        {
            "run_id": ["flip", "lead", "solo", "none", "clean"],
            "agent": ["A", "A", "A", None, "A"],
            "agent_confidence": [0.506, 0.506, 1.0, float("nan"), 0.506],
            "uncertain": [False, False, False, True, False],
            "only_agent": [False, False, True, False, False],
        }
    )
    agents = pd.DataFrame(
        {
            "run_id": ["flip", "flip", "lead", "lead", "solo", "none", "clean", "clean"],
            "agent": ["A", "B", "A", "B", "A", "<none>", "A", "B"],
            "score": [0.52, 0.48, 0.8, 0.2, 0.9, 0.9, 0.017, 0.007],
            # shares of the blame: "clean" leads 0.71 to 0.29 though no move looks like a culprit
            "share": [0.52, 0.48, 0.8, 0.2, 1.0, 1.0, 0.71, 0.29],
            "confidence": [0.506, 0.506, 0.506, 0.506, 1.0, 0.5, 0.506, 0.506],
        }
    )
    return v, agents


def test_a_coin_flip_between_two_agents_is_uncertain_a_clear_lead_is_not() -> None:
    from workbench.attribution._coin_flip import coin_flips, score_margins

    v, agents = _verdicts()
    out = coin_flips(v, agents, 0.1).set_index("run_id")["uncertain"]
    assert bool(out["flip"]) is True  # 0.52 vs 0.48: a coin, whatever the 0.506 confidence says
    assert bool(out["lead"]) is False  # 0.8 vs 0.2
    assert bool(out["solo"]) is False  # one candidate: its step rule, untouched
    assert bool(out["none"]) is True  # no agent named: stays uncertain
    assert bool(out["clean"]) is True  # scores 0.017 vs 0.007: nothing looks like a culprit
    margins = score_margins(agents)
    assert margins["flip"] == pytest.approx(0.04) and margins["solo"] == pytest.approx(0.9)
    assert "none" not in margins.index


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> wb.Workspace:
    folder = tmp_path_factory.mktemp("coin")
    write_runs(folder, "beta", 6, seed=11)  # four agents per run, a system the shipped model never saw
    ws = wb.open()
    ws.ingest(str(folder / "*" / "*.json"), progress=False)
    return ws


def test_the_shipped_model_reads_uncertain_from_the_score_margin(store: wb.Workspace) -> None:
    model = wb.BlameModel.pretrained()
    assert model.uncertain_margin == 0.1  # a model file without the parameter reads the default
    model.set_params(detect=False)  # (the detectors' findings are not this test's question)
    runs = sorted(store.runs().run_id)
    v, _, agents = model._predict(store, runs)
    from workbench.attribution._coin_flip import score_margins

    chose = v[~v["only_agent"] & v["agent"].notna()]
    assert len(chose) >= 3
    margin = chose["run_id"].map(score_margins(agents))
    # four agents: each calibrated confidence below 0.5, so the old flag called every verdict uncertain; a clear
    # lead in the agents' scores now reads sure
    assert ((margin >= 0.1) & (chose["agent_confidence"] < 0.5)).any()
    want = (margin < 0.1) | chose["unfamiliar"].astype(bool)
    assert chose["uncertain"].astype(bool).tolist() == want.tolist()
    # the parameter is saved with the model; None turns the margin off
    back = wb.BlameModel.from_dict(model.set_params(uncertain_margin=None).to_dict())
    assert back.uncertain_margin is None


def test_a_margin_outside_zero_to_one_is_refused(store: wb.Workspace, tmp_path: Path) -> None:
    model = wb.BlameModel(uncertain_margin=1.5)
    with pytest.raises(Exception, match="uncertain_margin"):
        model.fit(store)
