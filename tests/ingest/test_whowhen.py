"""Who&When failure-attribution logs: the 5 records in shared/samples, and our own fixtures."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pytest

import workbench as wb
from workbench.ingest._base import Stage, create_stage_tables
from workbench.ingest.langfuse import LangfuseExport
from workbench.ingest.whowhen import WhoWhen, run_id_of, subset_of

SAMPLES = Path(__file__).parents[2].parent / "shared" / "samples"
FIXTURES = Path(__file__).parent / "fixtures" / "whowhen"


@pytest.fixture(params=["own", "shared"])
def samples(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Record files in the data set's layout (``<subset>/<n>.json``, one record each).

    "own": this project's fixture records laid out that way (always there); "shared": the public samples.
    """
    if request.param == "own":
        folder = tmp_path_factory.mktemp("whowhen")
        records = json.loads((FIXTURES / "records.json").read_text())
        for n, (subset, rec) in enumerate(
            zip(("Algorithm-Generated", "Hand-Crafted"), records, strict=True), 1
        ):
            (folder / subset).mkdir()
            (folder / subset / f"{n}.json").write_text(json.dumps(rec, indent=1))
        return sorted(folder.glob("*/*.json"))
    folder = SAMPLES / "whowhen"
    if not folder.is_dir():
        pytest.skip(f"the shared Who&When samples are not at {folder}")
    files = sorted(folder.glob("*/*.json"))
    assert len(files) == 5
    return files


def stage_file(path: Path) -> tuple[duckdb.DuckDBPyConnection, Stage]:
    con = duckdb.connect()
    create_stage_tables(con)
    stage = Stage(con, source="whowhen")
    stage.file = str(path)
    WhoWhen().stage(path, stage)
    stage.flush()
    return con, stage


def one(con: duckdb.DuckDBPyConnection, query: str) -> object:
    return con.execute(query).fetchall()[0][0]


def test_samples(samples: list[Path]) -> None:
    for path in samples:
        rec = json.loads(path.read_text())
        con, stage = stage_file(path)
        n = len(rec["history"])
        assert one(con, "SELECT count(*) FROM stage_steps") == n and stage.read == n
        assert one(con, "SELECT count(*) FROM stage_quarantine") == 0
        ids = [r[0] for r in con.execute("SELECT step_id FROM stage_steps ORDER BY order_hint").fetchall()]
        assert ids == [f"t{i:03d}" for i in range(n)]

        subset = path.parent.name
        run_id, system, task, outcome, attributes = con.execute(
            "SELECT run_id, system, task, outcome, attributes FROM stage_runs"
        ).fetchall()[0]
        assert run_id == run_id_of(rec) and run_id.startswith("ww-")
        assert system == f"whowhen/{subset}" and task == rec["question"] and outcome == "failure"
        attrs = json.loads(attributes)
        assert attrs["question_ID"] == rec["question_ID"] and attrs["subset"] == subset
        assert attrs["is_correct"] is False and attrs["ground_truth"] == rec["ground_truth"]

        # The label names the annotated agent and step, and that step is the agent's own turn.
        step_id = f"t{int(rec['mistake_step']):03d}"
        assert con.execute("SELECT agent, step_id, kind, source, detail FROM stage_labels").fetchall() == [
            (rec["mistake_agent"], step_id, "mistake", "ground_truth", rec["mistake_reason"])
        ]
        assert one(con, f"SELECT agent FROM stage_steps WHERE step_id = '{step_id}'") == rec["mistake_agent"]

        kinds = dict(
            con.execute("SELECT agent, list(DISTINCT kind) FROM stage_steps GROUP BY agent").fetchall()
        )
        if subset == "Algorithm-Generated":
            # The agent is `name`; role (user/assistant) says nothing about who spoke.
            assert set(kinds) == {t["name"] for t in rec["history"]}
            assert kinds["Computer_terminal"] == ["tool"]
            assert all(k == ["agent"] for a, k in kinds.items() if a != "Computer_terminal")
        else:
            assert set(kinds) == {"human", "Orchestrator", "WebSurfer"}
            assert kinds["human"] == ["human"] and kinds["WebSurfer"] == ["agent"]
            assert sorted(kinds["Orchestrator"]) == ["agent", "handoff"]
        edges = dict(con.execute("SELECT kind, count(*) FROM stage_edges GROUP BY kind").fetchall())
        changes = sum(
            1
            for a, b in zip(rec["history"], rec["history"][1:], strict=False)
            if (a.get("name") or a["role"]).split(" (")[0] != (b.get("name") or b["role"]).split(" (")[0]
        )
        assert edges == {"consumes": n - 1, "handoff": changes}


def test_failed_code_execution_is_an_error_step(samples: list[Path]) -> None:
    own = str(json.loads(samples[0].read_text()).get("question_ID")).startswith("fixture-")
    name, expected = (
        ("1.json", ("t001", "tool", "error", "exitcode: 1 (execution failed)"))
        if own
        else ("3.json", ("t003", "tool", "error", "exitcode: 124 (execution failed)"))
    )
    con, _ = stage_file(next(p for p in samples if p.parent.name == "Algorithm-Generated" and p.name == name))
    assert con.execute(
        "SELECT step_id, kind, status, error FROM stage_steps WHERE status = 'error'"
    ).fetchall() == [expected]


def test_run_id_is_stable_across_paths(samples: list[Path], tmp_path: Path) -> None:
    copy = tmp_path / "elsewhere" / "renamed.json"
    copy.parent.mkdir()
    shutil.copy(samples[0], copy)
    a, _ = stage_file(samples[0])
    b, _ = stage_file(copy)
    assert one(a, "SELECT run_id FROM stage_runs") == one(b, "SELECT run_id FROM stage_runs")
    assert one(b, "SELECT system FROM stage_runs") == "whowhen"  # no subset folder in the path
    rec = json.loads(samples[0].read_text())
    relabelled = {**rec, "mistake_step": "1", "mistake_agent": "Computer_terminal"}
    assert run_id_of(relabelled) == run_id_of(rec)  # a corrected label is the same run
    assert run_id_of({**rec, "history": rec["history"][:-1]}) != run_id_of(rec)
    assert len({run_id_of(json.loads(p.read_text())) for p in samples}) == len(samples)


def test_subset_of() -> None:
    assert subset_of(Path("data/Who&When/Hand-Crafted/1.json")) == "Hand-Crafted"
    assert subset_of(Path("x/algorithm_generated/2.json")) == "Algorithm-Generated"
    assert subset_of(Path("x/Hand-Crafted.json")) is None


@pytest.mark.parametrize("name", ["records.json", "records.jsonl"])
def test_list_and_jsonl_fixtures(name: str) -> None:
    con, stage = stage_file(FIXTURES / name)
    broken = 1 if name.endswith(".jsonl") else 0
    assert one(con, "SELECT count(*) FROM stage_steps") == 9
    assert one(con, "SELECT count(*) FROM stage_quarantine") == broken and stage.read == 9 + broken
    lines = [r[0] for r in con.execute("SELECT line FROM stage_runs ORDER BY line").fetchall()]
    assert lines == ([1, 4] if broken else [1, 2])
    labels = con.execute("SELECT agent, step_id FROM stage_labels ORDER BY agent").fetchall()
    assert labels == [("Check_Expert", "t002"), ("WebSurfer", "t003")]
    rows = dict(con.execute("SELECT name, kind || ':' || agent FROM stage_steps").fetchall())
    assert rows["Orchestrator (-> WebSurfer)"] == "handoff:Orchestrator"
    assert rows["Orchestrator (final answer)"] == "agent:Orchestrator"
    assert rows["human"] == "human:human" and rows["Computer_terminal"] == "tool:Computer_terminal"
    ((attrs,),) = con.execute(
        "SELECT attributes FROM stage_steps WHERE name LIKE '%-> WebSurfer%'"
    ).fetchall()
    assert json.loads(attrs)["to"] == "WebSurfer"
    levels = [
        json.loads(a).get("level") for (a,) in con.execute("SELECT attributes FROM stage_runs").fetchall()
    ]
    assert sorted(levels, key=str) == [1, None]  # kept as given; the Hand-Crafted record has none
    assert {r[0] for r in con.execute("SELECT outcome FROM stage_runs").fetchall()} == {"failure"}


def test_bad_records() -> None:
    con, stage = stage_file(FIXTURES / "bad.jsonl")
    steps = one(con, "SELECT count(*) FROM stage_steps")
    rejects = con.execute(
        "SELECT line, step_id, reason FROM stage_quarantine ORDER BY line, step_id"
    ).fetchall()
    assert steps == 7 and len(rejects) == 9 and stage.read == steps + len(rejects)
    assert [(line, step) for line, step, _ in rejects] == [
        (1, None),
        (2, None),
        (3, None),
        (4, "t001"),
        (4, "t002"),
        (4, "t003"),
        (5, None),
        (6, None),
        (7, None),
    ]
    reasons = [r for *_, r in rejects]
    assert "not a list" in reasons[0] and "missing" in reasons[1] and "not an object" in reasons[2]
    assert "not an object" in reasons[3] and "not a string" in reasons[4] and "neither" in reasons[5]
    assert "'first' is not an integer" in reasons[6] and "outside history" in reasons[7]
    assert "not an agent name" in reasons[8]
    # A bad turn costs that turn only; a bad step index leaves the agent part of the label.
    labels = sorted(con.execute("SELECT agent, step_id FROM stage_labels").fetchall(), key=str)
    assert labels == sorted([("B", "t004"), ("A", None), ("A", None), (None, "t000")], key=str)
    outcomes = dict(
        con.execute(
            "SELECT json_extract_string(attributes, '$.question_ID'), outcome FROM stage_runs"
        ).fetchall()
    )
    assert outcomes["unlabelled"] == "unknown" and outcomes["bad-4"] == "failure"


def test_sniff(samples: list[Path]) -> None:
    adapter = WhoWhen()
    for path in [*samples, *FIXTURES.iterdir()]:
        assert adapter.sniff(path, path.read_bytes()[:65536]), path
        assert not LangfuseExport().sniff(path, path.read_bytes()[:65536]), path
    # Hand-Crafted records put a long history first: the head alone may not show the labels.
    hand = next(p for p in samples if p.parent.name == "Hand-Crafted")
    assert adapter.sniff(hand, hand.read_bytes()[:200])
    assert not adapter.sniff(Path("x"), b'{"history": [1, 2]')
    assert not adapter.sniff(Path("x"), b'{"trace": {}, "observations": []}')


# -- through the workspace ------------------------------------------------------------------------
def test_ingest_samples_end_to_end(samples: list[Path], tmp_path: Path) -> None:
    ws = wb.open()
    report = ws.ingest([str(p) for p in samples])
    total = sum(len(json.loads(p.read_text())["history"]) for p in samples)
    assert (report.read, report.stored, report.quarantined) == (total, total, 0)
    runs = ws.runs()
    assert len(runs) == len(samples) and set(runs["outcome"]) == {"failure"}
    assert set(runs["outcome_source"]) == {"declared"}
    labels = ws.labels()
    assert len(labels) == len(samples) and set(labels["kind"]) == {"mistake"}
    for path in samples:
        rec = json.loads(path.read_text())
        steps = ws.steps(run_id_of(rec))
        assert steps["step_id"].tolist() == [
            f"t{i:03d}" for i in range(len(rec["history"]))
        ]  # seq = turn order
        culprit = steps.loc[steps["step_id"] == f"t{int(rec['mistake_step']):03d}", "agent"].item()
        assert culprit == rec["mistake_agent"]
    # The same record from another path is the same run: nothing new.
    copy = tmp_path / "copy.json"
    shutil.copy(samples[-1], copy)
    again = ws.ingest(str(copy), format="whowhen")
    assert again.added == 0 and len(ws.runs()) == len(samples) and len(ws.labels()) == len(samples)


def test_ingest_bad_fixture_end_to_end() -> None:
    ws = wb.open()
    report = ws.ingest(str(FIXTURES / "bad.jsonl"))
    assert (report.read, report.stored, report.quarantined) == (16, 7, 9)
    assert len(ws.quarantine()) == 9


def test_oversized_question_costs_the_run_row_only(tmp_path: Path) -> None:
    path = tmp_path / "big.json"
    path.write_text(
        json.dumps(
            {
                "question": "x" * (5 * 2**20),
                "history": [{"content": "a", "name": "A"}],
                "mistake_agent": "A",
                "mistake_step": "0",
            }
        )
    )
    con, stage = stage_file(path)
    assert one(con, "SELECT count(*) FROM stage_steps") == 1 and stage.read == 2
    assert one(con, "SELECT count(*) FROM stage_labels") == 1


def test_content_as_a_list_of_lines_is_the_joined_text(tmp_path: Path) -> None:
    """MAST's AG2 trajectories in Who&When shape hold each turn's text as a list of lines."""
    lines = [
        "Let's use Python to solve a math problem.",
        "",
        "Problem:",
        "How many inches of ribbon per bow?",
    ]
    history = [
        {"content": lines, "role": "assistant", "name": "mathproxyagent"},
        {
            "content": ["The ribbon length is not given.", "\\boxed{None}"],
            "role": "user",
            "name": "assistant",
        },
        {"content": [], "role": "assistant", "name": "mathproxyagent"},
        {"content": ["fine", {"type": "text"}], "role": "user", "name": "assistant"},
    ]
    rec = {"question": "How many inches of ribbon per bow?", "history": history}
    path = tmp_path / "ag2_2.json"
    path.write_text(json.dumps(rec, indent=1))
    ws = wb.open()
    report = ws.ingest(path, progress=False)
    assert (report.read, report.stored, report.quarantined) == (4, 3, 1)
    steps = ws.steps(run_id_of(rec)).set_index("step_id")
    assert steps.loc["t000", "output"] == "\n".join(lines)
    assert steps.loc["t001", "output"] == "The ribbon length is not given.\n\\boxed{None}"
    assert steps.loc["t002", "output"] == ""
    assert list(steps.agent) == ["mathproxyagent", "assistant", "mathproxyagent"]
    assert list(ws.quarantine().reason) == [
        "turn 3: content is an array of other than strings, not a string or a list of strings"
    ]
    # The same transcript with its text as strings is the same run.
    joined = {
        **rec,
        "history": [{**t, "content": "\n".join(t["content"])} for t in history[:3]] + history[3:],
    }
    assert run_id_of(joined) == run_id_of(rec)
