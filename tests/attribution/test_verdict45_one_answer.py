"""One log-only answer for a run, whichever asks (verdict45): ``wb.logonly_verdicts``, the IncidentExplorer and
``workbench investigate --json`` name the same culprit, step and confidence, on a run whose own evidence outweighs
the model (PydanticAI: the researcher's tool raised and ended the run; the model alone said planner, 50 %), one where
the evidence agrees with the model (Agno: a silent failure's wrong value first stated by the researcher) and one with
no evidence (a Who&When-style flat log: no span tree, no finding naming an agent). Notebook 01's Path 2 printed the
model alone (``model.predict``: "Stock Clerk, 0.50, uncertain" on a CrewAI run the explorer gave to Crew Manager)."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import pytest
from _whowhen_fixture import write_runs

import workbench as wb
from workbench._cli_report import failed_records
from workbench._investigate import attribute_failed, choose_attribution
from workbench.attribution import BlameModel
from workbench.detect import detect

FIXTURES = Path(__file__).resolve().parents[1] / "ingest" / "fixtures"
CRASH = FIXTURES / "pydantic-ai" / "delegation_crash.otlp.jsonl"
AGNO = FIXTURES / "agno" / "team_fault.otlp.jsonl"


@pytest.fixture(scope="module")
def investigated(tmp_path_factory: pytest.TempPathFactory) -> tuple[wb.Workspace, dict]:
    """A store attributed as ``workbench investigate`` attributes a system it cannot replay (the pretrained model,
    the evidence weighed in, stored), and its ``--json`` records' verdicts, by run."""
    flat = write_runs(tmp_path_factory.mktemp("verdict45"), "alpha", 1, seed=0)
    ws = wb.open()
    ws.ingest([str(CRASH), str(AGNO), str(flat)], progress=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        # (the detectors whose findings are evidence, or take a run as failed: all of them cost ~0.5 CPU s more)
        detect(ws, detectors=["silent_failure", "gave_up", "ping_pong"], progress=False)
    assert choose_attribution(ws, None) == "logonly"
    attribute_failed(ws, None, "logonly")
    return ws, {r["run_id"]: r["verdict"] for r in failed_records(ws, None)}


def _explorer_says(ex: wb.IncidentExplorer, run_id: str) -> tuple[str, str, str]:
    """The explorer's log-only line of ``run_id``: agent, step and the agent's share as printed."""
    if ex.run_id != run_id:
        ex.show_run(run_id)
    line = next(x for x in ex.verdict.value.split("<br>") if x.startswith("Log-only BlameModel"))
    agent, step = re.findall(r"<b>(.*?)</b>", line)[:2]
    share = re.search(r"agent share (\d+%)", line)
    return agent, step, share.group(1) if share else ""


def test_one_answer_whichever_view_asks(investigated: tuple[wb.Workspace, dict]) -> None:
    ws, json_verdicts = investigated
    runs = ws.runs().set_index("system")
    crash, agno, flat = (
        runs.loc[s, "run_id"]
        for s in (
            "pai-market-desk",
            "agno-market-desk",
            runs.index[~runs.index.isin(["pai-market-desk", "agno-market-desk"])][0],
        )
    )
    model = BlameModel.pretrained()
    v = wb.logonly_verdicts(ws, model=model).set_index(
        "run_id"
    )  # (every failed run: the silent failure taken as failed)
    assert set(v.index) == set(json_verdicts) == {crash, agno, flat}, (v.index, json_verdicts)
    # the three kinds of run this checks
    assert v.loc[crash, "evidence"] == "error" and v.loc[crash, "model_agent"] == "planner"
    assert v.loc[crash, "agent"] == "researcher" and v.loc[crash, "disagrees"] == "planner"
    assert v.loc[agno, "evidence"] == "silent_failure" and v.loc[agno, "model_agent"] == v.loc[agno, "agent"]
    assert v.loc[flat, "evidence"] is None and v.loc[flat, "model_agent"] == v.loc[flat, "agent"]
    ex = wb.IncidentExplorer(ws, blame_model=model)  # (the model investigate used)
    # the explorer on the run it opened on (its verdict drawn already), and on the two whose evidence it weighs (a run
    # with none takes the same path, combine's first return: a show_run each costs ~1 CPU s of the suite's time)
    in_view = {ex.run_id, crash, agno}
    for run_id, mine in v.iterrows():
        j = json_verdicts[run_id]
        assert (j["culprit"], j["decisive_step"], j["evidence"]) == (mine.agent, mine.step_id, mine.evidence)
        assert j["confidence"] == pytest.approx(mine.agent_confidence) and j["uncertain"] == mine.uncertain
        if run_id in in_view:
            said = _explorer_says(ex, run_id)
            assert said == (mine.agent, mine.step_id, f"{mine.agent_confidence:.0%}"), (run_id, said)


def test_one_run_or_many() -> None:
    # a run id alone is that one run (BlameModel.predict refuses a string: "pass ['…'] for that one run"); the
    # store's check then names it whole (its characters, one by one, are no runs either)
    with pytest.raises(wb.InvalidParameterError, match="no run 'no-such-run' in this store"):
        wb.logonly_verdicts(wb.open(), "no-such-run")
