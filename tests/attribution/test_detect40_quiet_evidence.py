"""Evidence about a value no span shows does not outweigh the model (detect40), and gave_up is evidence too.

real39's audit: ADK through OpenInference writes no model span, so the researcher's "41.20" is in no span; the
writer's agent span is the first to state it, and the silent_failure evidence (the first stater) overrode the model's
51 % for the researcher. The first stater's input is in no span, and the agents before it said nothing the log
shows: the value may be theirs. The evidence then names the one of them the model is surest of, its weight shared
among them. Where the log shows the first stater's input, or the words of the agents before it, the evidence still
names the first stater, as before.
"""

from __future__ import annotations

import json
import math
import warnings
from pathlib import Path

import pandas as pd
import pytest

import workbench as wb
from workbench._investigate import attribute_failed
from workbench.attribution import BlameModel
from workbench.attribution._evidence import EVIDENCE_LOGIT, combine, predict_with_evidence, run_evidence

FIXTURES = Path(__file__).resolve().parents[1] / "ingest" / "fixtures"
ADK = FIXTURES / "adk" / "openinference_transfer_fault.otlp.jsonl"
T0, S = 1_767_225_600_000_000_000, 1_000_000_000


pytestmark = pytest.mark.usefixtures("_own_cache")  # (tests/conftest.py)


def _transfer_run(run_id: str, writer_input: str | None = None, spoken: bool = False) -> list[dict]:
    """coordinator -> researcher -> writer by hand-offs, as ADK's OpenInference spans show them: the tool says
    14.20, the writer's agent span quotes 41.20. ``writer_input``: what the writer was handed, when logged;
    ``spoken``: the coordinator's and the researcher's model calls are logged too (their words are in the log)."""
    steps = [
        ("system", None, "run", None, None, "Quote for the customer: the widget costs 41.20 USD."),
        ("agent", "coordinator", "coordinator", None, None, None),
        ("handoff", "coordinator", "transfer_to_agent", None, '{"agent_name": "researcher"}', "researcher"),
        ("agent", "researcher", "researcher", None, None, None),
        (
            "tool",
            "researcher",
            "get_price",
            "get_price",
            '{"item": "widget"}',
            '{"result": "widget: 14.20 USD"}',
        ),
        ("handoff", "researcher", "transfer_to_agent", None, '{"agent_name": "writer"}', "writer"),
        (
            "agent",
            "writer",
            "writer",
            None,
            writer_input,
            "Quote for the customer: the widget costs 41.20 USD.",
        ),
        (
            "tool",
            "writer",
            "format_quote",
            "format_quote",
            '{"item": "widget", "price": "41.20"}',
            '{"result": "Quote: widget at 41.20 USD"}',
        ),
    ]
    if spoken:
        steps[2:2] = [
            ("llm", "coordinator", "chat", None, "Quote me a widget.", "Researcher, price the widget.")
        ]
        steps[6:6] = [("llm", "researcher", "chat", None, "Price the widget.", "The widget costs 14.20 USD.")]
    records: list[dict] = [
        {
            "record": "run",
            "run_id": run_id,
            "system": "quotes",
            "task": "Quote me a widget.",
            "outcome": "success",
        }
    ]
    for i, (kind, agent, name, tool, inp, out) in enumerate(steps):
        rec = {
            "run_id": run_id,
            "step_id": f"s{i:02d}",
            "kind": kind,
            "name": name,
            "status": "ok",
            "started_at": T0 + i * S,
            "ended_at": T0 + (100 if i == 0 else i + 1) * S,
        }
        rec.update(
            {
                k: v
                for k, v in (
                    ("parent_id", "s00" if i else None),
                    ("agent", agent),
                    ("tool", tool),
                    ("input", inp),
                    ("output", out),
                )
                if v is not None
            }
        )
        records.append(rec)
    return records


@pytest.fixture(scope="module")
def written() -> wb.Workspace:
    ws = wb.open()
    ws.ingest(
        _transfer_run("quiet")
        + _transfer_run("handed", writer_input="Write the quote: widget, 14.20 USD.")
        + _transfer_run("spoken", spoken=True),
        progress=False,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        wb.detect(ws, progress=False)
    return ws


def test_the_agents_before_a_first_stater_with_no_input_are_evidence_too(written: wb.Workspace) -> None:
    ev = run_evidence(written, ["quiet", "handed", "spoken"]).set_index("run_id")
    assert (ev["evidence"] == "silent_failure").all() and (ev["agent"] == "writer").all()
    # the latest to act before the writer first, each with its last step begun before the writer's
    assert [(q["agent"], q["step_id"]) for q in ev.loc["quiet", "quiet"]] == [
        ("researcher", "s05"),
        ("coordinator", "s02"),
    ]
    # the writer's input is logged (it was handed 14.20 and said 41.20), or the others' words are: no one else
    assert ev.loc["handed", "quiet"] == [] and ev.loc["spoken", "quiet"] == []


def test_the_model_chooses_among_them_and_the_first_stater_still_wins_where_the_log_shows(
    written: wb.Workspace,
) -> None:
    model = BlameModel.pretrained()
    runs = ["quiet", "handed", "spoken"]
    _, _, agents = model._predict(written, runs)
    weighed = predict_with_evidence(model, written, runs).set_index("run_id")
    conf = {
        (r, a): (c, -k)
        for r, a, c, k in agents[["run_id", "agent", "confidence", "rank"]].itertuples(index=False)
    }
    n = agents.groupby("run_id").size().to_dict()
    # quiet: the candidate the model is surest of (an agent it did not score at an even share), the evidence's
    # log-odds split among the three
    cands = ["writer", "researcher", "coordinator"]
    score = {a: conf.get(("quiet", a), (1 / (n["quiet"] + 1), -math.inf)) for a in cands}
    best = max(cands, key=lambda a: score[a])
    row = weighed.loc["quiet"]
    logit = math.log(score[best][0] / (1 - score[best][0]))
    post = 1 / (1 + math.exp(-(logit + EVIDENCE_LOGIT["silent_failure"] - math.log(3))))
    assert post > row["model_confidence"]  # (the model's own pick is among the three: never below it)
    assert row["agent"] == best and row["evidence"] == "silent_failure"
    assert row["agent_confidence"] == pytest.approx(post)
    assert "writer's input is in no span, and researcher, coordinator acted before it" in row["why"]
    # handed / spoken: the evidence names the writer with its whole weight, as before
    for run in ("handed", "spoken"):
        r = weighed.loc[run]
        prior = conf.get((run, "writer"), (1 / (n[run] + 1),))[0]
        post = 1 / (1 + math.exp(-(math.log(prior / (1 - prior)) + EVIDENCE_LOGIT["silent_failure"])))
        expected = (
            "writer" if r["model_agent"] == "writer" or post > r["model_confidence"] else r["model_agent"]
        )
        assert r["agent"] == expected and "input is in no span" not in r["why"]


def test_shared_evidence_in_combine() -> None:
    # the model: x 0.6; the evidence names w (unscored) but cannot tell it from y and z before it
    verdict = pd.DataFrame(
        {
            "run_id": ["a"],
            "agent": ["x"],
            "step_id": ["sx"],
            "score": [0.5],
            "agent_confidence": [0.6],
            "uncertain": [False],
            "only_agent": [False],
            "step_confidence": [0.5],
            "familiarity": [1.0],
            "unfamiliar": [False],
        }
    )
    agents = pd.DataFrame(
        {"run_id": ["a"] * 3, "agent": ["x", "y", "z"], "confidence": [0.6, 0.55, 0.55], "rank": [1, 2, 3]}
    )
    quiet = [{"agent": "z", "step_id": "sz", "seq": 3}, {"agent": "y", "step_id": "sy", "seq": 2}]
    ev = pd.DataFrame(
        {
            "run_id": ["a"],
            "evidence": ["silent_failure"],
            "agent": ["w"],
            "step_id": ["sw"],
            "seq": [5],
            "why": ["w first stated it"],
            "quiet": [quiet],
        }
    )
    out = combine(verdict, agents, ev).iloc[0]
    # y and z tie at 0.55: the model's rank breaks it (y); the odds of 4 shared by three: 4/3
    post = 1 / (1 + math.exp(-(math.log(0.55 / 0.45) + math.log(4 / 3))))
    assert post > 0.6 and out["agent"] == "y" and out["step_id"] == "sy"
    assert out["agent_confidence"] == pytest.approx(post) and out["disagrees"] == "x"
    # the log shows where the value came from (no quiet agents): the first stater w, scored 0.5, takes the odds of 4
    alone = combine(
        verdict, agents.assign(agent=["x", "y", "w"], confidence=[0.6, 0.55, 0.5]), ev.assign(quiet=[[]])
    ).iloc[0]
    assert (
        alone["agent"] == "w"
        and alone["agent_confidence"] == pytest.approx(0.8)
        and alone["disagrees"] == "x"
    )
    # with five candidates the evidence backs none of them more than the model does: the model's pick stays
    many = quiet + [{"agent": f"q{i}", "step_id": f"s{i}", "seq": i} for i in range(2)]
    kept = combine(verdict, agents, ev.assign(quiet=[many])).iloc[0]
    assert kept["agent"] == "x" and kept["agent_confidence"] == 0.6 and kept["disagrees"] == "y"


def test_adk_through_openinference_names_the_researcher() -> None:
    ws = wb.open()
    ws.ingest(ADK, progress=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        wb.detect(ws, progress=False)
    attribute_failed(ws, None, "logonly")
    ((culprit, params),) = ws.sql("SELECT target, params FROM attributions WHERE unit = 'verdict'").fetchall()
    params = json.loads(params)
    step_agent = ws.sql(
        "SELECT agent, kind FROM steps WHERE step_id = ?", [params["decisive_step"]]
    ).fetchall()
    assert (
        culprit == "researcher"
        and params["evidence"] == "silent_failure"
        and params["model_agent"] == "researcher"
    )
    assert step_agent == [("researcher", "handoff")]  # its hand-off to the writer: where its words went
    assert "first stated by writer" in params["why"] and "the value may be theirs" in params["why"]


def test_a_give_up_names_the_agent_whose_call_failed() -> None:
    # the MCP server down (real): labelled failed, the log-only verdict reads the gave_up finding
    ws = wb.open()
    ws.ingest(
        [str(FIXTURES / "mcp" / f"agents_mcp_down{s}.otlp.jsonl") for s in ("", ".server")], progress=False
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        wb.detect(ws, progress=False)
    ((run, step),) = ws.sql("SELECT run_id, step_id FROM findings WHERE detector = 'gave_up'").fetchall()
    ws.label(run, outcome="failure")
    attribute_failed(ws, None, "logonly")
    ((culprit, params),) = ws.sql("SELECT target, params FROM attributions WHERE unit = 'verdict'").fetchall()
    params = json.loads(params)
    assert culprit == "researcher" and params["evidence"] == "gave_up" and params["decisive_step"] == step
    assert 'get_price failed ("Error executing tool get_price")' in params["why"]


def _gave_up_run(run_id: str, outcome: str) -> list[dict]:
    rows = [
        ("system", None, None, None, None, "Sorry, I could not get the widget's price."),
        ("agent", "researcher", None, "ok", None, None),
        ("tool", "researcher", "get_price", "error", "TimeoutError: price service timed out", None),
        ("llm", "writer", None, "ok", None, "Sorry, I could not get the widget's price."),
    ]
    records: list[dict] = [
        {
            "record": "run",
            "run_id": run_id,
            "system": "quotes",
            "task": "Quote me a widget.",
            "outcome": outcome,
        }
    ]
    for i, (kind, agent, tool, status, error, out) in enumerate(rows):
        rec = {
            "run_id": run_id,
            "step_id": f"s{i:02d}",
            "kind": kind,
            "name": tool or kind,
            "status": status or "ok",
            "started_at": T0 + i * S,
            "ended_at": T0 + (100 if i == 0 else i + 1) * S,
        }
        rec.update(
            {
                k: v
                for k, v in (
                    ("parent_id", "s00" if i else None),
                    ("agent", agent),
                    ("tool", tool),
                    ("error", error),
                    ("output", out),
                )
                if v is not None
            }
        )
        records.append(rec)
    return records


def test_a_give_up_is_evidence_only_where_the_run_did_not_report_its_failure() -> None:
    # declared: the run said it failed (Who&When's logs declare it), its own word on the failure; labelled: it said
    # nothing, a person said it failed
    ws = wb.open()
    ws.ingest(_gave_up_run("declared", "failure") + _gave_up_run("labelled", "unknown"), progress=False)
    ws.label("labelled", outcome="failure")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        wb.detect(ws, progress=False)
    assert sorted(ws.sql("SELECT run_id FROM findings WHERE detector = 'gave_up'").fetchall()) == [
        ("declared",),
        ("labelled",),
    ]
    ev = run_evidence(ws, ["declared", "labelled"])
    assert ev[["run_id", "evidence", "agent", "step_id"]].values.tolist() == [
        ["labelled", "gave_up", "researcher", "s02"]
    ]
