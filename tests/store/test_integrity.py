"""Conflicts, identical rejects, failed commits and temporary tables: the store never mixes or leaks."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

import workbench as wb
from workbench.exceptions import StoreError
from workbench.store._transaction import temp_tables, transaction

T0 = 1_767_225_600_000_000_000


def _write(path: Path, recs: list[dict]) -> Path:
    path.write_text("\n".join(json.dumps(r) for r in recs) + "\n")
    return path


def _run(outcome: str, output: str) -> list[dict]:
    return [
        {"record": "run", "run_id": "r1", "system": "s", "outcome": outcome},
        {
            "run_id": "r1",
            "step_id": "a",
            "kind": "agent",
            "agent": "planner",
            "started_at": T0,
            "ended_at": T0 + 5,
        },
        {
            "run_id": "r1",
            "step_id": "b",
            "parent_id": "a",
            "kind": "llm",
            "output": output,
            "started_at": T0 + 1,
            "ended_at": T0 + 4,
        },
    ]


def test_same_ids_other_content_is_a_conflict_naming_the_stored_record(tmp_path: Path) -> None:
    ws = wb.open()
    first = _write(tmp_path / "first.jsonl", _run("success", "42"))
    second = _write(tmp_path / "second.jsonl", _run("failure", "41"))
    ws.ingest(first)
    report = ws.ingest(second)
    # Step a is the same content (idempotent); step b and the run record disagree with the store.
    assert (report.read, report.stored, report.quarantined) == (3, 1, 2)
    q = ws.quarantine().sort_values("line")
    assert len(q) == 2
    step = q[q["step_id"] == "b"].iloc[0]
    assert f"stored from {first.resolve()} line 3" in step["reason"] and "differs in output" in step["reason"]
    run = q[q["step_id"].isna()].iloc[0]
    assert (
        "conflicts with the stored run r1" in run["reason"]
        and "outcome failure (stored success)" in run["reason"]
    )
    # Nothing changed in the store: the stored output and the declared outcome stand.
    assert ws.steps("r1").set_index("step_id").loc["b", "output"] == "42"
    assert ws.runs().iloc[0]["outcome"] == "success"
    again = ws.ingest(second)
    assert (again.quarantined, again.added) == (2, 0) and ws.count("quarantine") == 2


def test_json_text_is_compared_as_json_not_as_spacing(tmp_path: Path) -> None:
    # Earlier releases stored native objects as '{"sku": "A-1"}'; this one stores '{"sku":"A-1"}'.
    # Re-ingesting the same log into an older store must add nothing, and a real change still conflicts.
    ws = wb.open()
    spaced = _run("success", '{"price": 12.5, "sku": "A-1"}')
    spaced[2]["input"], spaced[2]["attributes"] = '{"sku": "A-1"}', {"attempt": 1}
    ws.ingest(_write(tmp_path / "spaced.jsonl", spaced))
    same = _run("success", '{"price":12.5,"sku":"A-1"}')
    same[2]["input"], same[2]["attributes"] = {"sku": "A-1"}, {"attempt": 1}
    report = ws.ingest(_write(tmp_path / "compact.jsonl", same))
    assert (report.read, report.stored, report.added, report.quarantined) == (2, 2, 0, 0)
    changed = _run("success", '{"price":12.5,"sku":"A-1"}')
    changed[2]["input"], changed[2]["attributes"] = {"sku": "A-2"}, {"attempt": 2}
    report = ws.ingest(_write(tmp_path / "changed.jsonl", changed))
    assert report.quarantined == 1
    assert "differs in input, attributes" in ws.quarantine().iloc[0]["reason"]


def test_conflicting_run_records_within_one_call(tmp_path: Path) -> None:
    recs = _run("success", "42") + [{"record": "run", "run_id": "r1", "outcome": "failure"}]
    ws = wb.open()
    report = ws.ingest(_write(tmp_path / "both.jsonl", recs))
    assert report.quarantined == 1 and report.read == report.stored + report.quarantined
    assert "run record of r1 at" in ws.quarantine().iloc[0]["reason"]
    assert ws.runs().iloc[0]["outcome"] == "success"
    # Again: the record now conflicts with the stored run (another wording), but it is the same reject.
    again = ws.ingest(tmp_path / "both.jsonl")
    assert (again.quarantined, again.added) == (1, 0) and ws.count("quarantine") == 1
    assert json.loads(ws.quarantine().iloc[0]["raw"]) == recs[-1]


def test_steps_rejected_at_the_merge_keep_their_line(tmp_path: Path) -> None:
    # Read by the native fast path, rejected only at the merge (a duplicate, an end before the start):
    # the quarantine still holds each line's text, length and hash, and a second ingest adds nothing.
    recs = _run("success", "42")
    recs += [dict(recs[2], output="43"), dict(recs[1], step_id="c", started_at=T0 + 9, ended_at=T0 + 2)]
    path = _write(tmp_path / "rejects.jsonl", recs)
    ws = wb.open()
    report = ws.ingest(path)
    assert (report.stored, report.quarantined) == (2, 2)
    q = ws.quarantine().sort_values("line")
    lines = path.read_text().splitlines()
    assert list(q["line"]) == [4, 5] and list(q["raw"]) == [lines[3], lines[4]]
    assert list(q["raw_bytes"]) == [len(lines[3]), len(lines[4])]
    ws.ingest(path)
    assert ws.count("quarantine") == 2


def test_identical_rejects_do_not_collapse(tmp_path: Path) -> None:
    bad = {"traceId": "0af7651916cd43dd8448eb211c80319c", "spanId": "not-an-id", "name": "x"}
    line = json.dumps(
        {
            "resourceSpans": [
                {
                    "resource": {"attributes": []},
                    "scopeSpans": [{"scope": {"name": "t"}, "spans": [bad, bad, bad]}],
                }
            ]
        }
    )
    path = tmp_path / "otlp.jsonl"
    path.write_text(line + "\n")
    ws = wb.open()
    report = ws.ingest(path)
    assert report.quarantined == 3 and ws.count("quarantine") == 3
    assert sorted(ws.quarantine()["occurrence"]) == [1, 2, 3]
    ws.ingest(path)
    assert ws.count("quarantine") == 3


def test_duplicate_lines_are_each_quarantined_once(tmp_path: Path) -> None:
    # (a step repeated with the same content is stored once, as a second call would find it: not a reject)
    line = json.dumps({"run_id": "r", "step_id": "s", "kind": "llm"})
    other = json.dumps({"run_id": "r", "step_id": "s", "kind": "tool"})
    path = tmp_path / "dup.jsonl"
    path.write_text("\n".join([line, line, other, other, "{broken", "{broken"]) + "\n")
    ws = wb.open()
    report = ws.ingest(path)
    assert (report.stored, report.quarantined) == (2, 4) and ws.count("quarantine") == 4
    assert ws.count("steps") == 1


def test_no_temporary_table_outlives_an_ingest(tmp_path: Path) -> None:
    from workbench.sim import procurement

    ws = wb.open()
    before = temp_tables(ws.con)
    ws.ingest(procurement(seed=0).generate(n_runs=3))
    otlp = tmp_path / "o.jsonl"
    otlp.write_text(
        json.dumps(
            {
                "resourceSpans": [
                    {
                        "resource": {"attributes": []},
                        "scopeSpans": [
                            {
                                "spans": [
                                    {
                                        "traceId": "0af7651916cd43dd8448eb211c80319c",
                                        "spanId": "b7ad6b7169203331",
                                        "name": "x",
                                    }
                                ]
                            }
                        ],
                    }
                ]
            }
        )
        + "\n"
    )
    ws.ingest(otlp)
    with pytest.raises(wb.WorkbenchError):
        ws.ingest(tmp_path / "missing.jsonl")
    assert temp_tables(ws.con) == before == set()


class _FailingCommit:
    """A connection whose COMMIT fails as DuckDB's does on a full disk (and then has no transaction)."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con
        self.calls: list[str] = []

    def __getattr__(self, name: str) -> object:
        return getattr(self.con, name)

    def cursor(self) -> _FailingCommit:  # (an ingest runs on a cursor of its own: its COMMIT fails alike)
        return _FailingCommit(self.con.cursor())

    def execute(self, sql: str, *args: object) -> object:
        self.calls.append(sql)
        if sql == "COMMIT":
            self.con.execute("ROLLBACK")
            raise duckdb.IOException('IO Error: Could not write file "x.duckdb.wal": No space left on device')
        return self.con.execute(sql, *args)


def test_a_failed_commit_reports_its_cause_not_the_rollback() -> None:
    con = duckdb.connect()
    con.execute("CREATE TABLE t (x INTEGER)")
    fake = _FailingCommit(con)
    with pytest.raises(StoreError, match="No space left on device") as err:
        with transaction(fake, "the ingest"):  # type: ignore[arg-type]
            fake.execute("INSERT INTO t VALUES (1)")
    assert "no transaction is active" not in str(err.value)
    assert con.execute("SELECT count(*) FROM t").fetchall() == [(0,)]
    assert fake.calls[-1] == "ROLLBACK"  # tried, and its own error swallowed


def test_a_failed_commit_through_ingest_names_the_cause(monkeypatch: pytest.MonkeyPatch) -> None:
    ws = wb.open()
    real = ws.con
    monkeypatch.setattr(ws, "_con", _FailingCommit(real))
    with pytest.raises(wb.WorkbenchError, match="No space left on device"):
        ws.ingest([{"run_id": "r", "step_id": "s"}])
    assert real.execute("SELECT count(*) FROM steps").fetchall() == [(0,)]


def test_a_key_conflict_at_commit_reaches_the_user() -> None:
    # Another connection commits run r9 while the ingest's transaction is open: DuckDB refuses the
    # ingest's COMMIT with a key violation, and that (not "no transaction is active") is what the user sees.
    from workbench.ingest._driver import run_ingest

    ws = wb.open()

    def fill(stage: object) -> None:
        # the ingest's snapshot is taken (on its own cursor, the stage's: DuckDB takes it at the transaction's
        # first statement, which no step of the merge need have run yet)
        stage.con.execute("SELECT count(*) FROM runs").fetchall()  # type: ignore[attr-defined]
        ws.con.cursor().execute("INSERT INTO runs (run_id, outcome) VALUES ('r9', 'success')")
        # (a run record: labels alone make no run row, so no conflict)
        stage.run(run_id="r9", outcome="failure")  # type: ignore[attr-defined]
        stage.label(run_id="r9", outcome="failure")  # type: ignore[attr-defined]

    with pytest.raises(wb.WorkbenchError, match="[Dd]uplicate key|PRIMARY KEY|[Cc]onflict") as err:
        run_ingest(ws.con, [], stage_fill=fill)
    assert "no transaction is active" not in str(err.value)
    assert ws.count("labels") == 0 and ws.runs()["outcome"].tolist() == ["success"]


def test_a_version_1_store_is_migrated(tmp_path: Path) -> None:
    db = tmp_path / "old.duckdb"
    con = duckdb.connect(str(db))
    from workbench.store._connection import SCHEMA_VERSION, sql_statements

    for stmt in sql_statements("schema"):
        con.execute(
            stmt.replace(
                ",\n    raw_bytes  BIGINT,\n    raw_sha256 VARCHAR,\n    occurrence INTEGER DEFAULT 1", ""
            )
        )
    con.execute("INSERT INTO meta VALUES ('schema_version', '1')")
    con.execute("INSERT INTO quarantine (file, line, reason, raw) VALUES ('f', 1, 'bad', 'xyz')")
    assert "raw_sha256" not in [r[0] for r in con.execute("DESCRIBE quarantine").fetchall()]
    con.close()
    with wb.open(db) as ws:
        assert ws.sql("SELECT value FROM meta").fetchall() == [(str(SCHEMA_VERSION),)]
        row = ws.quarantine().iloc[0]
        assert row["raw_bytes"] == 3 and row["occurrence"] == 1 and len(row["raw_sha256"]) == 64
