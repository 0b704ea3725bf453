"""Labels files written by people: CSV, JSON, JSONL, read strictly."""

from __future__ import annotations

from pathlib import Path

import pytest

import workbench as wb
from workbench.exceptions import IngestError
from workbench.ingest.labels_file import COLUMNS, read_labels

FIXTURES = Path(__file__).parent / "fixtures"


def test_csv() -> None:
    rows = read_labels(FIXTURES / "labels" / "labels.csv")
    assert [set(r) for r in rows] == [set(COLUMNS)] * 3
    assert rows[0] == {
        "run_id": "run-a",
        "outcome": "failure",
        "agent": "pricer",
        "step_id": "s3",
        "kind": "hallucination",
        "source": "human",
        "detail": "made up a price, twice",
        "given_by": None,
    }
    assert rows[1] == {
        "run_id": "run-b",
        "outcome": "success",
        "agent": None,
        "step_id": None,
        "kind": None,
        "source": "human",
        "detail": None,
        "given_by": None,
    }
    # Surrounding blanks are dropped, outcome is case-folded, a quoted field may span lines.
    assert rows[2]["run_id"] == "run-c" and rows[2]["outcome"] == "failure"
    assert rows[2]["source"] == "sre-review" and rows[2]["detail"] == "went round\nand round"


def test_json_and_jsonl() -> None:
    rows = read_labels(str(FIXTURES / "labels" / "labels.json"))
    assert [(r["run_id"], r["outcome"], r["source"]) for r in rows] == [
        ("run-a", "failure", "human"),
        ("run-b", "success", "sre-review"),
    ]
    rows = read_labels(FIXTURES / "labels" / "labels.jsonl")
    assert [(r["run_id"], r["agent"], r["outcome"]) for r in rows] == [
        ("run-a", "pricer", None),
        ("run-c", None, "unknown"),
    ]


def test_format_from_content_and_tsv(tmp_path: Path) -> None:
    (tmp_path / "l.txt").write_text('[{"run_id": "r", "kind": "loop"}]')
    assert read_labels(tmp_path / "l.txt")[0]["kind"] == "loop"
    (tmp_path / "l.labels").write_text('{"run_id": "r", "kind": "loop"}\n')
    assert read_labels(tmp_path / "l.labels")[0]["kind"] == "loop"
    (tmp_path / "l.tsv").write_text("run_id\tagent\nr\ta, b\n")
    assert read_labels(tmp_path / "l.tsv")[0]["agent"] == "a, b"
    (tmp_path / "empty.csv").write_text("run_id,agent\n")
    assert read_labels(tmp_path / "empty.csv") == []
    # as Excel saves a sheet: "Unicode Text" (UTF-16 with a mark, tab-separated, a .txt) and, where the decimal
    # mark is a comma, CSV separated by semicolons; and JSONL in UTF-16 without a mark. Each was refused ("not
    # UTF-8 text", "unknown column(s) 'run_id\toutcome'")
    (tmp_path / "unicode.txt").write_bytes(
        b"\xff\xfe" + "Run_ID\tOutcome\r\nr\tfailure\r\n".encode("utf-16-le")
    )
    (tmp_path / "semi.csv").write_text('"run_id";"agent"\n"r";"a, b"\n')
    (tmp_path / "wide.jsonl").write_bytes('{"run_id": "r", "kind": "loop"}\n'.encode("utf-16-be"))
    assert [
        read_labels(tmp_path / n)[0][k] for n, k in [("unicode.txt", "outcome"), ("semi.csv", "agent")]
    ] == [
        "failure",
        "a, b",
    ]
    assert read_labels(tmp_path / "wide.jsonl")[0]["kind"] == "loop"


BAD = [
    ("l.csv", "run_id,agnet\nr1,pricer\n", "header (line 1): unknown column(s) 'agnet'"),
    ("l.csv", "agent,kind\npricer,loop\n", "no run_id column"),
    ("l.csv", "run_id,agent,agent\nr,a,b\n", "column 'agent' appears twice"),
    ("l.csv", "run_id,agent\nr1,pricer\n,pricer\n", "line 3: run_id is empty"),
    ("l.csv", "run_id,outcome\nr1,failure\nr2,failed\n", "line 3: outcome must be one of success, failure"),
    ("l.csv", "run_id,agent\nr1,pricer,extra\n", "line 2: 3 fields, the header has 2"),
    ("l.csv", "run_id,agent,detail\nr1,,note only\n", "line 2: the label for run 'r1' says nothing"),
    ("l.csv", "", "labels file is empty"),
    ("l.json", '{"run_id": "r1", "agent": "a"}', "holds a list of objects"),
    (
        "l.json",
        '[{"run_id": "r1", "agent": "a"}, {"run_id": "r2", "step_id": 12}]',
        "item 2: step_id must be text (got number '12')",
    ),
    ("l.json", '[{"run_id": "r1", "agent": "a"}, "r2"]', "item 2: a JSON string, not an object"),
    ("l.json", '[{"run_id": "r1", "agent": "a"}, {"agent": "b"}]', "item 2: no run_id column"),
    ("l.json", '[{"run_id": "r1", "agent": "a"},', "broken JSON"),
    ("l.jsonl", '{"run_id": "r1", "agent": "a"}\n\n{"run_id": "r2", "agent": "b"\n', "line 3: broken JSON"),
    ("l.jsonl", '{"run_id": "r1", "culprit": "a"}\n', "line 1: unknown column(s) 'culprit'"),
]


@pytest.mark.parametrize(("name", "text", "message"), BAD, ids=[m for *_, m in BAD])
def test_bad_rows_name_file_and_line(tmp_path: Path, name: str, text: str, message: str) -> None:
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(IngestError) as info:
        read_labels(path)
    assert str(info.value).startswith(f"{path}: ")
    assert message in str(info.value)


def test_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(IngestError, match="cannot read labels file"):
        read_labels(tmp_path / "missing.csv")
    latin = tmp_path / "latin.csv"
    latin.write_bytes("run_id,agent\nr1,pr\xe9cis\n".encode("latin-1"))
    with pytest.raises(IngestError, match="not UTF-8"):
        read_labels(latin)


def test_label_file_end_to_end(tmp_path: Path) -> None:
    ws = wb.open()
    ws.ingest(str(FIXTURES / "whowhen" / "records.json"))
    run_ids = sorted(ws.runs()["run_id"])
    path = tmp_path / "review.csv"
    path.write_text(
        "run_id,outcome,agent,step_id,kind,detail\n"
        f"{run_ids[0]},success,,,,re-graded: the answer was right\n"
        f"{run_ids[1]},,Orchestrator,t004,premature_answer,\n"
    )
    assert ws.label_file(path) == 2
    labels = ws.labels()
    assert len(labels) == 4 and set(labels["source"]) == {"ground_truth", "human"}
    runs = ws.runs().set_index("run_id")
    assert runs.loc[run_ids[0], "outcome"] == "success" and runs.loc[run_ids[0], "outcome_source"] == "label"
    assert runs.loc[run_ids[1], "outcome"] == "failure"
