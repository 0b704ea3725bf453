"""Portable role features: who is addressed, who delegates, who brings outside material, loops.

On Who&When-format runs the test writes itself (a planner that hands off to a web worker by name,
a coder next to a terminal) and through the public model API; plus the v1 model file still loads.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from _whowhen_fixture import write_runs

import workbench as wb
from workbench.attribution._blame_model import BlameModel
from workbench.attribution._heuristics import culprit_labels
from workbench.attribution._portable_roles import ROLE_FEATURES, mean_rank, pct_rank, role_features

DATA = Path(__file__).parent / "data"
_PAGES = [
    "Title: Ferry timetable 2024. Departures: 07:15 harbour, 08:40 island, 11:05 harbour, "
    "fares adult 12.50, child 6.25, bicycles free; operator Bluewater Lines; updated March.",
    "Search results: Harbour authority notice about winter schedule changes, storm cancellations, "
    "pier renovation works and parking permits near terminal building.",
    "Bluewater Lines news page: new catamaran vessel, onboard cafe menu, loyalty discounts "
    "for residents, lost property office opening hours.",
]


def _run() -> list[dict]:
    return [
        {"role": "human", "content": "When does the first ferry leave the harbour?"},
        {"role": "Orchestrator (thought)", "content": "Plan: ask WebSurfer to find the timetable."},
        {"role": "Orchestrator (-> WebSurfer)", "content": "Please search for the ferry timetable."},
        {"role": "WebSurfer", "content": _PAGES[0]},
        {"role": "Orchestrator (thought)", "content": "WebSurfer should check the departures again."},
        {"role": "Orchestrator (-> WebSurfer)", "content": "Please search for the ferry timetable."},
        {"role": "WebSurfer", "content": _PAGES[1]},
        {"role": "Orchestrator (-> WebSurfer)", "content": "Please search for the ferry timetable."},
        {"role": "WebSurfer", "content": _PAGES[2]},
        {"role": "Orchestrator (thought)", "content": "The answer is 08:40."},
    ]


@pytest.fixture(scope="module")
def ws(tmp_path_factory) -> wb.Workspace:
    folder = tmp_path_factory.mktemp("roles") / "Hand-Crafted"
    folder.mkdir()
    (folder / "ferry.json").write_text(
        json.dumps(
            {
                "question": "When does the first ferry leave the harbour?",
                "history": _run(),
                "is_corrected": False,
                "question_ID": "ferry",
                "mistake_agent": "WebSurfer",
                "mistake_step": "3",
                "mistake_reason": "misread the timetable",
            }
        )
    )
    ws = wb.open()
    ws.ingest(str(folder / "*.json"), progress=False)
    return ws


def test_roles_say_who_plans_and_who_is_told_what_to_do(ws) -> None:
    X = BlameModel(features="portable").frame(ws)
    assert set(ROLE_FEATURES) <= set(X.columns)
    by = X[X["agent"].isin(["Orchestrator", "WebSurfer"])].groupby("agent")[list(ROLE_FEATURES)].mean()
    # The orchestrator names and hands off to the web surfer; never the other way round.
    assert by.loc["WebSurfer", "role_addressed"] > 0.5 and by.loc["Orchestrator", "role_addressed"] == 0
    assert by.loc["Orchestrator", "role_delegates"] > 0.5 and by.loc["WebSurfer", "role_delegates"] == 0
    # The web surfer brings the outside material (new words, long outputs).
    assert by.loc["WebSurfer", "role_external"] == 1.0 and by.loc["WebSurfer", "role_len"] == 1.0
    # Every value is relative to the run: ranks and shares stay in [0, 1].
    for col in ("role_addressed", "role_delegates", "role_external", "role_len", "role_share_rank"):
        assert X[col].dropna().between(0, 1).all()


def test_loop_feature_marks_the_turn_after_which_the_run_repeats_itself() -> None:
    texts = [
        "start the task",
        "a plan with several distinct words",
        "fetch alpha data now",
        "same old reply",
        "same old reply",
        "same old reply",
        "same old reply",
    ]
    n = len(texts)
    kind = np.array(["agent"] * n, dtype=object)
    agent = np.array(["A", "B", "A", "B", "A", "B", "A"], dtype=object)
    words = [set(t.split()) for t in texts]
    sim = np.array(
        [
            max((len(words[i] & words[j]) / len(words[i] | words[j]) for j in range(i)), default=0.0)
            for i in range(n)
        ]
    )
    f = role_features(kind, agent, texts, np.ones(n, bool), np.zeros(n, bool), sim)
    assert int(np.argmax(f["step_loop_after"])) == 3  # the first of the repeated turns
    assert f["step_loop_after"][-1] < f["step_loop_after"][2]
    # No agent: nothing to say, and no crash.
    empty = role_features(
        np.array(["tool"], dtype=object),
        np.array([None], dtype=object),
        ["x"],
        np.zeros(1, bool),
        np.ones(1, bool),
        np.zeros(1),
    )
    assert all(np.isnan(v).all() for v in empty.values())
    # the ranks in numpy are pandas' to the bit (round 54 put them in place of Series.rank; only a model's
    # predictions on a few runs were compared): ties, NaN, one value, none
    rng = np.random.default_rng(54)
    for v in [
        rng.integers(0, 4, 25).astype(float),
        rng.random(9),
        np.array([2.0]),
        np.array([np.nan, 1.0, np.nan]),
    ]:
        v[rng.random(len(v)) < 0.2] = np.nan
        assert np.array_equal(mean_rank(v), pd.Series(v).rank().to_numpy(), equal_nan=True)
        assert np.array_equal(pct_rank(v), pd.Series(v).rank(pct=True).to_numpy(), equal_nan=True)


def _two_systems(
    tmp_path: Path, alpha: tuple[int, int], beta: tuple[int, int]
) -> tuple[wb.Workspace, pd.DataFrame]:
    """Runs of both Who&When subsets, (runs, seed) each, in one store, and their portable feature frame."""
    write_runs(tmp_path, "alpha", alpha[0], seed=alpha[1])
    write_runs(tmp_path, "beta", beta[0], seed=beta[1])
    ws = wb.open()
    ws.ingest(str(tmp_path / "*" / "*.json"), progress=False)
    return ws, BlameModel(features="portable", detect=False).frame(ws)


def test_role_features_do_not_depend_on_agent_names(tmp_path) -> None:
    _, X = _two_systems(tmp_path, (8, 3), (4, 4))
    # Renaming every agent changes no role feature: they describe behaviour, not names.
    ws2 = wb.open()
    for sub in ("Algorithm-Generated", "Hand-Crafted"):
        (tmp_path / "renamed" / sub).mkdir(parents=True)
        for p in (tmp_path / sub).glob("*.json"):
            doc = p.read_text().replace("Expert", "Specialist").replace("WebSurfer", "Browser")
            (tmp_path / "renamed" / sub / p.name).write_text(doc)
    ws2.ingest(str(tmp_path / "renamed" / "*" / "*.json"), progress=False)
    Y = BlameModel(features="portable", detect=False).frame(ws2)
    cols = list(ROLE_FEATURES)
    a = X.sort_values(["agent", "pos"]).groupby("run_id")[cols].sum().to_numpy()
    b = Y.sort_values(["agent", "pos"]).groupby("run_id")[cols].sum().to_numpy()
    assert np.allclose(np.sort(a, axis=0), np.sort(b, axis=0), equal_nan=True)


@pytest.mark.parametrize("version", ["v1", "v2", "v3", "v4", "v5"])
def test_older_model_files_still_load_and_predict(ws, version) -> None:
    old = BlameModel.load(DATA / f"blame_model_whowhen_{version}.json")
    assert old.features == "portable" and ("role_addressed" in old.feature_names_in_) == (version != "v1")
    # Files from before a parameter load as they were fitted: without it.
    assert old.value_prior == (0.5 if version in ("v4", "v5") else 0.0)
    assert old.run_weight == (0.5 if version == "v5" else 0.0) and old.talkers_only is (version == "v5")
    assert old.shift_scale == 0.0 and old.familiarity_ is None
    pred = old.predict(ws)
    assert len(pred) == 1 and pred["agent"].iat[0] in ("Orchestrator", "WebSurfer")
    new = BlameModel.pretrained()
    assert set(old.feature_names_in_) <= set(new.feature_names_in_) | set(new.unavailable_features_)


def test_calibration_holds_out_whole_systems_when_trained_on_several(tmp_path) -> None:
    ws, X = _two_systems(tmp_path, (20, 5), (12, 6))
    assert set(X["system"]) == {"whowhen/Algorithm-Generated", "whowhen/Hand-Crafted"}
    labels = ws.sql("SELECT run_id, agent, step_id FROM labels").df()
    by_system = BlameModel(features="portable", detect=False).fit_frame(X, labels)
    # One held-out score per run, each from a scorer fitted on the other system only.
    assert by_system.calibration_.n_rows == 32
    mass = by_system.calibration_.names.index("log_mass")
    assert by_system.calibration_.coef[mass] >= 0  # more of the run's mass never lowers confidence
    by_run = BlameModel(features="portable", detect=False, calibration_groups="run").fit_frame(X, labels)
    assert by_run.calibration_.n_rows == 32
    one = X[X["system"] == "whowhen/Algorithm-Generated"]
    only = BlameModel(features="portable", detect=False, calibration_groups="system").fit_frame(one, labels)
    assert only.calibration_ is None  # one system: nothing to hold out, so no calibration
    with pytest.raises(ValueError, match="'calibration_groups' must be 'auto', 'run' or 'system'"):
        BlameModel(calibration_groups="agent").fit_frame(X, labels)


def test_no_portable_feature_or_verdict_depends_on_agent_names(tmp_path) -> None:
    """Every agent renamed (same length, everywhere in the logs): features and verdicts are unchanged.

    The code executors keep their names here; renaming them is checked in test_portable_executor.py
    (the Who&When adapter knows an executor by the shape of its output, not only its name).
    """
    import codecs

    from _whowhen_fixture import SYSTEMS

    ws, X = _two_systems(tmp_path, (6, 5), (5, 6))
    names = sorted({n for agents, _ in SYSTEMS.values() for n in agents}, key=len, reverse=True)
    # rot13 keeps each name's length and shape, so a feature may change only if it reads the name itself.
    rename = {n: codecs.encode(n, "rot13") for n in names}
    out = tmp_path / "renamed"
    for p in tmp_path.glob("*/*.json"):
        doc = p.read_text()
        for old, new in rename.items():
            doc = doc.replace(old, new)
        (out / p.parent.name).mkdir(parents=True, exist_ok=True)
        (out / p.parent.name / p.name).write_text(doc)
    ws2 = wb.open()
    ws2.ingest(str(out / "*" / "*.json"), progress=False)
    model = BlameModel(features="portable", detect=False, calibration_cv=None)
    Y = model.frame(ws2)
    assert set(Y["agent"].dropna()) & set(names) == set()  # the renaming reached every move
    cols = model._feature_list()

    # Run ids hash the log, so the runs are matched by their task (no agent named in it).
    def by_task(w: wb.Workspace, F: pd.DataFrame) -> pd.DataFrame:
        tasks = dict(w.con.execute("SELECT run_id, system || task FROM runs").fetchall())
        return F.assign(task=F["run_id"].map(tasks)).sort_values(["task", "pos"], ignore_index=True)

    a, b = by_task(ws, X), by_task(ws2, Y)
    assert a["task"].tolist() == b["task"].tolist() and a["task"].nunique() == 11
    pd.testing.assert_frame_equal(a[cols], b[cols])
    # The same fit, the same verdicts (culprit renamed); fitted on the frames above to stay fast.
    verdicts = []
    for w, F in ((ws, X), (ws2, Y)):
        m = BlameModel(features="portable", detect=False, calibration_cv=None).fit_frame(F, culprit_labels(w))
        steps, agents = m.rank_frame(F)
        top = steps[steps["rank"] == 1].merge(agents[agents["rank"] == 1], on="run_id", suffixes=("", "_top"))
        verdicts.append(by_task(w, top))
    p1, p2 = verdicts
    assert p1["agent_top"].map(rename).tolist() == p2["agent_top"].tolist()
    assert p1["pos"].tolist() == p2["pos"].tolist()
    np.testing.assert_allclose(p1["share"], p2["share"])


def test_value_prior_lifts_only_the_first_move_stating_a_new_number(tmp_path) -> None:
    ws, X = _two_systems(tmp_path, (6, 7), (5, 8))
    labels = culprit_labels(ws)
    plain = BlameModel(features="portable", detect=False, calibration_cv=None).fit_frame(X, labels)
    lifted = BlameModel(features="portable", detect=False, calibration_cv=None, value_prior=0.5).fit_frame(
        X, labels
    )
    # The prior is not fitted: the same weights, and exactly +0.5 log-odds on the flagged moves.
    np.testing.assert_array_equal(plain.step_model_.coef, lifted.step_model_.coef)
    a, b = plain.rank_frame(X)[0], lifted.rank_frame(X)[0]
    flagged = X.set_index(["run_id", "step_id"])["first_numbers"].reindex(
        list(zip(a["run_id"], a["step_id"], strict=True))
    )
    assert flagged.sum() == X["run_id"].nunique()  # one such move per run in these runs
    np.testing.assert_allclose(b["logit"] - a["logit"], 0.5 * flagged.fillna(0).to_numpy())
    # Saved with the model, and the explanation keeps adding up (the prior is a row of its own).
    back = BlameModel.load(lifted.save(tmp_path / "m.json"))
    assert back.value_prior == 0.5
    np.testing.assert_allclose(back.rank_frame(X)[0]["logit"], b["logit"])
    run = b.loc[b["logit"].idxmax(), "run_id"]
    ex = back.explain(ws, run)
    steps = ex[ex["level"] == "step"]
    sums = steps.groupby("step_id").agg(
        shap=("shap", "sum"), base=("base_value", "first"), out=("output", "first")
    )
    np.testing.assert_allclose(sums["shap"] + sums["base"], sums["out"])
    assert "value_prior" in set(steps["feature"])
    with pytest.raises(ValueError, match="'value_prior' must be a float >= 0"):
        BlameModel(value_prior=-1.0).fit_frame(X, labels)


def _console_span(
    trace: str, span: str, parent: str | None, name: str, start: int, attrs: dict, status: str = "UNSET"
) -> str:
    """One span as the OpenTelemetry SDK's ConsoleSpanExporter prints it (an indented JSON value)."""
    return json.dumps(
        {
            "name": name,
            "context": {"trace_id": f"0x{trace}", "span_id": f"0x{span}", "trace_state": "[]"},
            "kind": "SpanKind.INTERNAL",
            "parent_id": f"0x{parent}" if parent else None,
            "start_time": f"2026-03-02T23:45:{start:02d}.000000Z",
            "end_time": f"2026-03-02T23:45:{start:02d}.500000Z",
            "status": {"status_code": status},
            "attributes": attrs,
            "events": [],
            "links": [],
            "resource": {"attributes": {"service.name": "python-ai-engine"}, "schema_url": ""},
        },
        indent=4,
    )


def _agent_framework_run(trace: str, status: str) -> list[str]:
    """A Microsoft Agent Framework workflow as its OTel spans come out: each agent's chat and tool
    spans are siblings of its ``invoke_agent`` span under ``executor.process``. The executor here does
    not say it hosts an agent (no ``executor.type``: a custom executor calling the agent), so those spans
    keep no agent; an ``AgentExecutor`` would name its agent for them (tests/ingest)."""
    root, spans, t = f"{trace[:14]}01", [], 0
    spans.append(_console_span(trace, root, None, "workflow.run", 0, {"workflow.name": "weather"}, status))
    for k, (agent, tool) in enumerate([("Weather agent", "get_weather"), ("Structured output agent", None)]):
        ex, inv = f"{trace[:12]}{k}a00", f"{trace[:12]}{k}b00"
        t += 1
        spans.append(_console_span(trace, ex, root, f"executor.process {agent}", t, {"executor.id": agent}))
        spans.append(
            _console_span(
                trace,
                inv,
                ex,
                f"invoke_agent {agent}",
                t,
                {
                    "gen_ai.operation.name": "invoke_agent",
                    "gen_ai.agent.name": agent,
                    "gen_ai.usage.input_tokens": 600,
                    "gen_ai.usage.output_tokens": 140,
                },
            )
        )
        for j in range(2):
            t += 1
            spans.append(
                _console_span(
                    trace,
                    f"{trace[:12]}{k}c{j}0",
                    ex,
                    "chat gpt-oss-20b",
                    t,
                    {
                        "gen_ai.operation.name": "chat",
                        "gen_ai.request.model": "gpt-oss-20b",
                        "gen_ai.usage.input_tokens": 145,
                        "gen_ai.usage.output_tokens": 32,
                    },
                )
            )
        if tool:
            t += 1
            spans.append(
                _console_span(
                    trace,
                    f"{trace[:12]}{k}d00",
                    ex,
                    f"execute_tool {tool}",
                    t,
                    {
                        "gen_ai.operation.name": "execute_tool",
                        "gen_ai.tool.name": tool,
                        "gen_ai.tool.call.arguments": '{"location": "Toronto"}',
                    },
                )
            )
    return spans


def test_pretrained_model_reads_runs_with_moves_outside_any_agent(tmp_path) -> None:
    # On the real Agent Framework console output, predict raised ZeroDivisionError: a chat span with
    # no agent came back as NaN, which role_features took for an agent with no moves.
    path = tmp_path / "traces.jsonl"
    runs = {"e0c0afbab54efdfe2be82c2b68c1b96e": "ERROR", "4ae695eb4bb65a49273c6751bfa1fea4": "UNSET"}
    path.write_text(
        "\n".join(s for trace, status in runs.items() for s in _agent_framework_run(trace, status)) + "\n",
        encoding="utf-8",
    )
    ws = wb.open()
    report = ws.ingest(path)
    assert report.quarantined == 0 and ws.count("runs") == 2
    assert (
        ws.sql("SELECT count(*) FROM steps WHERE agent IS NULL AND kind IN ('llm', 'tool')").fetchall()[0][0]
        == 10
    )
    ws.label("4ae695eb4bb65a49273c6751bfa1fea4", outcome="failure")
    model = wb.BlameModel.pretrained()
    with np.errstate(all="raise"):
        pred = model.predict(ws)
    assert len(pred) == 2
    assert set(pred["agent"]) <= {"Weather agent", "Structured output agent"}
    steps = ws.steps(pred["run_id"].iloc[0])
    assert pred["step_id"].iloc[0] in set(steps["step_id"])
    shap = model.explain(ws, pred["run_id"].iloc[0])
    agents = shap.loc[shap["level"] == "agent"]
    assert {"Weather agent", "Structured output agent"} <= set(agents["agent"].dropna())
    assert set(agents.loc[agents["top"], "agent"]) == {pred["agent"].iloc[0]}
