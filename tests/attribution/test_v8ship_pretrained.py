"""The shipped log-only model (v8; v9 is v8 refitted on the same runs) is trained on systems beyond Who&When, and says so.

v7 knew two real systems (Who&When Algorithm-Generated and Hand-Crafted) and the simulator; v8 adds
AgentRx's tau-bench retail runs and AEGIS's runs of four other frameworks. Its file names each set (where,
at which commit, under which licence, how many runs) so a user can judge what it has seen.
"""

from __future__ import annotations

import warnings

import workbench as wb


def _pretrained() -> wb.BlameModel:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no scikit-learn version warning, nothing else either
        return wb.BlameModel.pretrained()


def test_shipped_model_names_every_training_set_with_its_source() -> None:
    trained_on = _pretrained().provenance_["trained_on"]
    for source in (
        "ag2ai/Agents_Failure_Attribution @ f4d2b6d",
        "microsoft/AgentRx @ f228165",
        "Fancylalala/AEGIS",
        "nguyenddat/failure_attribution @ 11110d4",
        "wb.sim.procurement",
    ):
        assert source in trained_on
    assert "MIT" in trained_on
    # AEGIS's labels are of another kind than Who&When's: the file must say so.
    assert "injected" in trained_on and "agent only" in trained_on and "first move" in trained_on


def test_shipped_model_learned_from_more_than_the_who_and_when_mix() -> None:
    model = _pretrained()
    # v7 was fitted on 399 runs (126 + 58 Who&When, 215 simulator); v8 adds 29 tau-bench and 600 AEGIS runs.
    assert model.n_runs_ > 399 + 29
    assert model.get_params()["prior"] == "pretrained"
    measured = model.provenance_["measured_before_refit"]
    assert any(key.startswith("held out tau-bench/retail") for key in measured)
