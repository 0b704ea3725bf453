"""The merge chunk by chunk of runs (finalize.sql's merge_chunks): any chunk size stores what one chunk stores."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _deep import deep

import workbench as wb
from workbench.ingest import _driver

T0 = 1_700_000_000_000_000_000


def _span(trace: int, i: int, parent: int | None, agent: str | None = None) -> dict:
    attrs = (
        [{"key": "gen_ai.agent.name", "value": {"stringValue": agent}}]
        if agent
        else [{"key": "gen_ai.operation.name", "value": {"stringValue": "chat"}}]
    )
    return {
        "traceId": f"{trace:032x}",
        "spanId": f"{i:016x}",
        "parentSpanId": "" if parent is None else f"{parent:016x}",
        "name": f"step {i}",
        "startTimeUnixNano": str(T0 + (i % 7) * 1000),
        "endTimeUnixNano": str(T0 + (i % 7) * 1000 + 500),
        "attributes": attrs,
        "status": {"code": 2 if i % 11 == 0 else 1},
    }


def _line(trace: int, spans: list[dict]) -> str:
    return json.dumps(
        {
            "resourceSpans": [
                {
                    "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "svc"}}]},
                    "scopeSpans": [{"scope": {"name": "t"}, "spans": spans}],
                }
            ]
        }
    )


def _chain(trace: int, first: int, n: int, parent: int | None = None, agent: str = "lead") -> list[dict]:
    out = [_span(trace, first, parent, agent)]
    out += [_span(trace, first + k, first + k - 1, "sub" if k == 3 else None) for k in range(1, n)]
    return out


def _write(tmp: Path, plain: int = 12, new: int = 6) -> tuple[Path, Path, Path]:
    """The logs: ``plain`` chains of six spans (traces 1..) and the odd traces in the first file, and ``new``
    chains of five in the second, beside the runs it goes on with."""
    a, b, native = tmp / "a.jsonl", tmp / "b.jsonl", tmp / "n.jsonl"
    lines = [_line(t, _chain(t, t * 100, 6)) for t in range(1, plain + 1)]
    # a trace split over distant lines of one file: its chunk spans the rows between them
    lines.insert(2, _line(20, _chain(20, 2000, 3)))
    lines.append(_line(20, _chain(20, 2010, 4, parent=2002)))
    lines.append(_line(3, [_span(3, 305, 303)]))  # a duplicate with another parent: a conflict
    lines.append(_line(4, [_span(4, 403, 402)]))  # the same span again: a repeat
    lines.append(_line(30, [_span(30, 3000, 3001), _span(30, 3001, 3000), _span(30, 3002, 3001)]))  # a cycle
    lines.append(
        _line(31, [_span(31, 3100, 3199, None), _span(31, 3101, 3100)])
    )  # its root's parent comes later
    lines.append("{not json")
    a.write_text("\n".join(lines) + "\n")
    # the second file: runs of the first go on (stored steps renumbered, an orphan gains its agent), new runs
    b.write_text(
        "\n".join(
            [
                _line(31, [_span(31, 3199, None, "late")]),
                _line(5, _chain(5, 590, 3, parent=505)),
                _line(2, [_span(2, 203, 201)]),  # conflicts with the stored span
                *[_line(t, _chain(t, t * 100, 5)) for t in range(40, 40 + new)],
            ]
        )
        + "\n"
    )
    recs = []
    for r in range(3):
        run = f"nat{r}"
        recs.append(
            {
                "record": "run",
                "run_id": run,
                "system": "sys",
                "task": "t",
                "outcome": "failure" if r else None,
            }
        )
        recs += [
            {
                "record": "step",
                "run_id": run,
                "step_id": f"s{k}",
                "parent_id": f"s{k - 1}" if k else None,
                "agent": "planner" if k == 0 else None,
                "kind": "llm",
                "started_at": T0 + k * 10,
            }
            for k in range(5)
        ]
        recs.append({"record": "edge", "run_id": run, "src_step": "s1", "dst_step": "s3", "kind": "consumes"})
        recs.append(
            {"record": "label", "run_id": run, "agent": "planner", "step_id": "s1", "outcome": "failure"}
        )
    recs.append({"record": "label", "run_id": "labels_only", "outcome": "success"})
    native.write_text("\n".join(json.dumps(x) for x in recs) + "\n")
    return a, b, native


def _dump(ws: wb.Workspace) -> tuple:
    steps = ws.sql(
        "SELECT run_id, step_id, parent_id, seq, depth, agent, agent_own, kind, status, started_at "
        "FROM steps ORDER BY run_id, step_id"
    ).fetchall()
    quarantine = ws.sql(
        "SELECT file, line, reason, step_id, occurrence FROM quarantine ORDER BY ALL"
    ).fetchall()
    edges = ws.sql("SELECT * FROM edges ORDER BY ALL").fetchall()
    runs = ws.sql(
        "SELECT run_id, n_steps, outcome, outcome_source, started_at, ended_at, task FROM runs "
        "ORDER BY run_id"
    ).fetchall()
    labels = ws.sql("SELECT run_id, agent, step_id, outcome FROM labels ORDER BY ALL").fetchall()
    return steps, [(Path(f).name, *rest) for f, *rest in quarantine], edges, runs, labels


def _ingest_all(tmp: Path, files: tuple[Path, Path, Path], name: str) -> tuple:
    a, b, native = files
    with wb.open(tmp / f"{name}.duckdb") as ws:
        reports = []
        for call in ([a, native], b, [a, b, native]):
            reports.append(ws.ingest(call))
            assert reports[-1].read == reports[-1].stored + reports[-1].quarantined
            # the merge, in one chunk or in many, leaves no variable set
            assert (
                ws.con.execute("SELECT name FROM duckdb_variables() WHERE name LIKE 'wb_%'").fetchall() == []
            )
        return _dump(ws), [(r.read, r.stored, r.quarantined, r.added, r.runs) for r in reports]


@pytest.fixture(scope="module")
def one_chunk(tmp_path_factory: pytest.TempPathFactory) -> tuple[tuple[Path, Path, Path], tuple, list]:
    """The logs and what one chunk (the default size) stores of them: the reference every chunk size below
    is compared with, built once (the files are only read after; the dump is plain rows)."""
    tmp = tmp_path_factory.mktemp("perf11")
    # (5 plain chains, the fewest the odd traces name, and 2 new ones: at one step a chunk each run is a chunk of its
    # own, at 13 two chains share one; 12 and 6 were read, a few more chunks of the same statements)
    files = _write(tmp, plain=5, new=2)
    whole, reports = _ingest_all(tmp, files, "whole")
    return files, whole, reports


# 1: every run a chunk of its own; 13: chunks of several runs. (4: the runs of fewer steps together in a chunk, the
# others alone, what the two do between them: with deep())
@pytest.mark.parametrize("chunk_steps", [1, 4, 13] if deep() else [1, 13])
def test_chunked_merge_stores_what_one_chunk_stores(
    one_chunk: tuple, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk_steps: int
) -> None:
    files, whole, whole_reports = one_chunk
    monkeypatch.setattr(_driver, "MERGE_CHUNK_STEPS", chunk_steps)
    chunked, chunked_reports = _ingest_all(tmp_path, files, f"chunked{chunk_steps}")
    assert chunked == whole
    assert chunked_reports == whole_reports
    steps, quarantine, edges, runs, labels = whole
    assert whole_reports[2][3] == 0  # the third call adds nothing
    assert any("parent cycle" in q[2] for q in quarantine) and any(
        "conflicts with the stored" in q[2] for q in quarantine
    )
    by_id = {(s[0], s[1]): s for s in steps}
    # the orphan's parent arrived in the second call: agent and depth from it
    assert by_id[(f"{31:032x}", f"{3101:016x}")][4:6] == (2, "late")
    # the trace split over distant lines is one tree
    assert by_id[(f"{20:032x}", f"{2013:016x}")][4] == 6
    # a run of labels alone is no run (no row, whatever the chunks), its label kept for when its logs come
    assert "labels_only" not in [r[0] for r in runs] and ("labels_only", None, None, "success") in labels


def test_every_chunk_is_merged(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    files = _write(tmp_path)
    chunks: list[int] = []
    real_timed = _driver._timed

    def timed(con, stmt: str) -> None:  # noqa: ANN001
        if "chunk_runs AS" in stmt:
            chunks.append(con.execute("SELECT getvariable('wb_chunk')").fetchall()[0][0])
        real_timed(con, stmt)

    monkeypatch.setattr(_driver, "MERGE_CHUNK_STEPS", 10)
    monkeypatch.setattr(_driver, "_timed", timed)
    with wb.open(tmp_path / "s.duckdb") as ws:
        report = ws.ingest(files[0])
        assert len(chunks) > 5 and chunks == sorted(set(chunks))
        assert ws.sql("SELECT count(*) FROM steps").fetchall()[0][0] == report.stored
