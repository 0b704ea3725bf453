"""A small ingest call costs fewer statements (issue 11): small files are read in Python, and the merge leaves
out the sections with nothing to do (no step staged twice, none stored already, every run naming an agent),
storing the same rows as the full path."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb
import pytest

import workbench as wb
from workbench.ingest import (
    _agentchat_tool_errors,
    _driver,
    _haystack_spans,
    _json_escapes,
    _jsonio,
    _links,
    _mastra_inputs,
    _mcp_served,
    _message_tools,
    _same_call,
    _stage_checks,
    _step_agents,
    _time_units,
    _tool_text_input,
    _workflow_build,
)
from workbench.ingest._stage_facts import StageFacts
from workbench.ingest._stage_tables import create_stage_tables

T0 = 1_767_225_600_000_000_000


def _trace(t: int, n: int = 5, agent: str | None = "planner") -> str:
    attrs = [{"key": "gen_ai.agent.name", "value": {"stringValue": agent}}] if agent else []
    spans = [
        {
            "traceId": f"{t:032x}",
            "spanId": f"{t * 64 + i:016x}",
            "parentSpanId": "" if i == 0 else f"{t * 64:016x}",
            "name": "invoke_agent planner" if i == 0 else f"chat {i}",
            "kind": 1,
            "startTimeUnixNano": str(T0 + t * 10**10 + i * 10**8),
            "endTimeUnixNano": str(T0 + t * 10**10 + i * 10**8 + 5 * 10**7),
            "attributes": attrs if i == 0 else [],
            "status": {},
        }
        for i in range(n)
    ]
    return json.dumps(
        {
            "resourceSpans": [
                {"resource": {"attributes": []}, "scopeSpans": [{"scope": {"name": "x"}, "spans": spans}]}
            ]
        }
    )


def _logged(ws: wb.Workspace, source: Path) -> tuple[wb.IngestReport, list[str]]:
    """The report of ingesting ``source`` and the statements DuckDB ran for it (its query log)."""
    ws.con.execute("CALL enable_logging('QueryLog')")
    try:
        report = ws.ingest(source, progress=False)
    finally:
        ws.con.execute("CALL disable_logging()")
    stmts = [
        m for (m,) in ws.con.execute("SELECT message FROM duckdb_logs() WHERE type = 'QueryLog'").fetchall()
    ]
    ws.con.execute("CALL truncate_duckdb_logs()")
    return report, stmts


def _ran(stmts: list[str], table: str) -> bool:
    return any(f"TEMP TABLE {table} AS" in s for s in stmts)


def test_a_small_call_of_new_named_runs_leaves_out_the_comparisons(tmp_path: Path) -> None:
    for t in (1, 2):
        (tmp_path / f"t{t}.jsonl").write_text(_trace(t) + "\n")
    ws = wb.open(tmp_path / "s.duckdb")
    ws.ingest(tmp_path / "t1.jsonl", progress=False)
    report, stmts = _logged(ws, tmp_path / "t2.jsonl")
    assert (report.read, report.stored, report.added, report.quarantined) == (5, 5, 5, 0)
    # (before: 184 statements, each of these among them, and the OTLP reader's SQL path)
    for table in (
        "stage_dup_rows",
        "stage_dup_pairs",
        "stage_vs_stored",
        "loop_agents",
        "component_agents",
        "_wb_otlp_spans",
    ):
        assert not _ran(stmts, table), table
    # 164 at d6e5f1f; +5 since the ingest runs on a cursor of its own (three SETs configure it, two
    # txid_current() pairs refuse a write inside the user's open transaction) and -2 own-name checks gone;
    # +2 since the ingest reads the user's memory limit to put it back (attack30): 172 at b40aaa7, then -42
    # since the cursor's close frees its temporary tables and variables (no DROP/RESET of each), -11 since a
    # small call stages in a temporary table (no stage database attached, checkpointed, detached): 118 at
    # 2cae41c, then -26 since the merge counts what the stage holds and leaves out what has nothing to do
    # (the comparisons' macros, the run records' conflicts, stated edges, labels, the rejects and the root_said
    # of runs with no unset or blind-OK root) and the report's counts are one statement; -4 since the tree's
    # orphan updates run only with orphans, the cursor's own transaction is not asked about, and no tool step
    # asks for no model output; -6 since the steps between staging and the merge ask what the stage holds for
    # them in one statement (_stage_facts); -2 since that statement also asks for small native times, and the
    # stored halves of split model calls are looked for only after merge_same_calls ran; -3 since the files'
    # order (read by the duplicates section only) is written only for it; -6 since a call staging fewer steps
    # than a merge chunk holds is merged as one chunk without the chunks' table, variables and row ranges; -1
    # since Agent Framework's idle-executor update runs only when the tree has a leaf it may change; -1 since the
    # tool steps whose input may be their one argument's text are one more stage fact; +3 since the merge reads the
    # steps of the runs it touches only (old_runs, wb_steps_before, affected_steps: a small call no longer scans
    # the store's steps), -2 since one chunk's tree reads affected and stage_new directly (no chunk_runs, no
    # chunk_new), -2 since the superseded and export-copy tables are not made when no section can fill them; -3
    # since no empty table is made for a left-out section that only that section or the counts read (stage_fuller,
    # stage_completes, stage_fuller_stored); -2 since a small store's steps are read by a scan (no old_runs, no SET; the tool calls
    # read out of chat messages (_message_tools) ask their stage fact too, so they cost a call with none no statement);
    # -4 since the rows of runs the store did not hold are built in one INSERT (store/_new_runs.py); -1 since the
    # store's count reads the thread count too, +1 since a tiny call turns DuckDB's optimizer off on its own cursor
    assert not any(s.startswith("ATTACH") for s in stmts)
    assert len(stmts) <= 58, len(stmts)
    # (that setting is the call's cursor's: the workspace's connection plans as before)
    assert ws.sql("SELECT current_setting('enable_optimizer')").fetchall() == [(True,)]
    # a few records given in memory stage in a temporary table too (121 statements at 2cae41c)
    _, stmts = _logged(
        ws,
        [
            {"run_id": "r", "step_id": "s", "agent": "a", "kind": "llm"},
            {"run_id": "r", "step_id": "t", "agent": "b", "kind": "tool"},
        ],
    )
    assert not any(s.startswith("ATTACH") for s in stmts)
    # (+2 since a small call runs on one DuckDB thread: it reads the instance's thread count and sets one; the
    # count is put back through a cursor of its own, not logged here)
    assert len(stmts) <= 54, len(stmts)
    assert ws.sql("SELECT count(*), count(DISTINCT run_id), count(agent) FROM steps").fetchall() == [
        (12, 3, 12)
    ]


def test_the_left_out_sections_run_when_they_have_something_to_do(tmp_path: Path) -> None:
    path = tmp_path / "t1.jsonl"
    path.write_text(_trace(1) + "\n")
    ws = wb.open(tmp_path / "s.duckdb")
    ws.ingest(path, progress=False)
    # again: every step is stored, found as it was stored (_driver's stored_differs), and nothing new is stored
    # without the comparisons of the stored section
    report, stmts = _logged(ws, path)
    assert (report.read, report.stored, report.added, report.quarantined) == (5, 5, 0, 0)
    assert not _ran(stmts, "stage_vs_stored") and not _ran(stmts, "stage_dup_pairs")
    assert len(stmts) <= 77, len(stmts)  # (94 at fee71119, with the stored section's 17)
    # a step given twice in one call with other content: the duplicates section finds the conflict
    twice = tmp_path / "twice.jsonl"
    twice.write_text(_trace(2) + "\n" + _trace(2).replace('"chat 1"', '"chat one"') + "\n")
    report, stmts = _logged(ws, twice)
    assert _ran(stmts, "stage_dup_pairs")
    assert (report.read, report.added, report.quarantined) == (10, 5, 1)
    assert "differs in name" in report.errors[0]
    # a stored step given again with other content: a conflict with the stored step
    changed = tmp_path / "changed.jsonl"
    changed.write_text(_trace(1).replace('"chat 2"', '"chat two"') + "\n")
    report, stmts = _logged(ws, changed)
    assert _ran(stmts, "stage_vs_stored")
    assert (report.added, report.quarantined) == (0, 1) and "conflicts with the stored step" in report.errors[
        0
    ]
    # a run that names no agent is given to the loop and component naming
    nameless = tmp_path / "nameless.jsonl"
    nameless.write_text(_trace(3, agent=None) + "\n")
    _, stmts = _logged(ws, nameless)
    assert _ran(stmts, "loop_agents") and _ran(stmts, "component_agents")


def _store(tmp_path: Path, name: str, files: list[Path]) -> dict[str, list]:
    with wb.open(tmp_path / f"{name}.duckdb") as ws:
        reports = [ws.ingest(f, progress=False) for f in files]
        reports.append(ws.ingest(files[0].parent, progress=False))  # (all again, in one call: nothing new)
        tables = {
            t: sorted(map(repr, ws.sql(f"SELECT * FROM {t}").fetchall())) for t in ("runs", "steps", "edges")
        }
        tables["labels"] = sorted(map(repr, ws.sql("SELECT * EXCLUDE (created_at) FROM labels").fetchall()))
        # (the raw text aside: the OTLP SQL path keeps none for a span the merge rejects, Python keeps the span's)
        tables["quarantine"] = sorted(
            map(
                repr,
                ws.sql(
                    "SELECT * EXCLUDE (created_at, raw, raw_bytes, raw_sha256) FROM quarantine"
                ).fetchall(),
            )
        )
        tables["raw kept"] = ws.sql("SELECT count(raw) = count(*) FROM quarantine").fetchall()
        tables["reports"] = [
            (r.read, r.stored, r.quarantined, r.added, r.runs, r.errors, r.notes) for r in reports
        ]
    return tables


def test_small_files_read_in_python_store_what_the_sql_path_stores(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a_otlp.jsonl").write_text(_trace(1) + "\n" + _trace(2, 7, agent=None) + "\n")
    # an odd line (not JSON) and a duplicate with other content: quarantined alike
    (folder / "b_otlp.jsonl").write_text(
        _trace(4) + "\n{broken\n" + _trace(4).replace('"chat 3"', '"x"') + "\n"
    )
    native = [
        {"record": "run", "run_id": "n1", "outcome": "failure"},
        {
            "record": "step",
            "run_id": "n1",
            "step_id": "s1",
            "agent": "planner",
            "kind": "agent",
            "started_at": "2026-01-01T00:00:00Z",
            "ended_at": "2026-01-01T00:00:01Z",
        },
        {
            "record": "step",
            "run_id": "n1",
            "step_id": "s2",
            "parent_id": "s1",
            "kind": "llm",
            "started_at": 1767225601,
            "output": {"text": "ok"},
            "tokens_in": 3,
        },
        {"record": "step", "run_id": "n1", "step_id": "s3", "kind": "tool", "started_at": "bad time"},
        {"record": "edge", "run_id": "n1", "src_step": "s1", "dst_step": "s2", "kind": "handoff"},
        {"record": "label", "run_id": "n1", "agent": "planner", "outcome": "failure"},
    ]
    (folder / "c_native.jsonl").write_text("\n".join(json.dumps(r) for r in native) + "\n")
    files = sorted(folder.iterdir())
    assert all(f.stat().st_size < _jsonio.SQL_MIN_BYTES for f in files)
    python = _store(tmp_path, "python", files)
    monkeypatch.setattr(_jsonio, "SQL_MIN_BYTES", 0)  # every file through the SQL paths, as before
    sql = _store(tmp_path, "sql", files)
    assert python["raw kept"] == [(True,)] and sql["raw kept"] == [(False,)]
    del python["raw kept"], sql["raw kept"]
    assert python == sql
    assert python["reports"][0][:4] == (12, 12, 0, 12) and python["reports"][1][2] >= 2


class _Enough(Exception):
    pass


class _Asked:
    """``con`` for a step: keeps the rows its first ``tests`` statements fetched (its own tests' answers), then
    stops it (the rest is the step's work)."""

    def __init__(self, con: duckdb.DuckDBPyConnection, tests: int) -> None:
        self._con, self._tests, self.rows = con, tests, []

    def execute(self, query: str, *args: Any) -> Any:
        if len(self.rows) == self._tests:
            raise _Enough
        res, rows, i = self._con.execute(query, *args), self.rows, len(self.rows)
        rows.append([])

        class Fetched:
            def fetchall(self) -> list:
                rows[i] = res.fetchall()
                return rows[i]

        return Fetched()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._con, name)


def _own_answer(con: duckdb.DuckDBPyConnection, fact: str) -> bool:
    """The answer the step ``fact`` belongs to gives its own "anything to do?", asked as it asks when not told:
    its first statement (llm_in_stored_run: merge_same_calls' second, asked when the first said no)."""
    asked = _Asked(con, 2 if fact == "llm_in_stored_run" else 1)
    step = {
        "escapes": _json_escapes.unescape_staged_tasks,
        "nameless": _step_agents.loop_agents,
        "handoff": _step_agents.handoff_targets,
        "pair": _same_call.merge_same_calls,
        "llm_in_stored_run": _same_call.merge_same_calls,
        "tool_text": _tool_text_input.restore_tool_arguments,
        "mcp": _mcp_served.fold_served_calls,
        "staged": lambda c: _links.join_linked_runs(c, []),
        "links": _links.keep_linked_roots,
        "message_tools": _message_tools.stage_message_tools,
        "build": lambda c: _workflow_build.join_build_traces(c, _links.StoredMoves()),
        "small_times": lambda c: _time_units.scale_integer_units(c, {}),
        "haystack": _haystack_spans.haystack_spans,
        "agentchat_tools": _agentchat_tool_errors.agentchat_tool_errors,
        "mastra_steps": _mastra_inputs.mastra_inputs,
        "created_agents": lambda c: _links.join_linked_runs(c, [], staged=False),
    }[fact]
    try:
        step(asked)
    except _Enough:
        pass
    return any(v for row in asked.rows[-1] for v in row)


def test_each_steps_own_test_is_its_stage_fact() -> None:
    """A step left out on _stage_facts' answer must get the answer it would give itself: on stages where each step
    has work and where none has, every fact equals the step's own test (both are built from stage_facts.sql)."""
    ws = wb.open()
    ws.ingest([{"run_id": "stored", "step_id": "p", "agent": "a", "kind": "llm"}], progress=False)
    con = ws.con.cursor()
    plain = {
        "run_id": "r",
        "step_id": "s",
        "agent": "a",
        "kind": "llm",
        "source": "native",
        "file": "f",
        "start_ns": T0,
        "end_ns": T0 + 1,
    }
    stages = {
        "none": [],
        "plain": [plain],
        "escapes": [plain],
        "escapes, in steps only": [{**plain, "output": '{"a": "caf\\u00e9"}'}],
        "nameless": [
            {**plain, "agent": None, "kind": "chain"},
            {**plain, "step_id": "t", "parent_id": "s", "agent": None, "kind": "tool"},
        ],
        "handoff": [plain, {**plain, "step_id": "h", "kind": "handoff"}],
        "pair": [plain, {**plain, "step_id": "c", "parent_id": "s"}],
        "llm_in_stored_run": [{**plain, "run_id": "stored", "step_id": "c", "parent_id": "p"}],
        "tool_text": [
            {
                **plain,
                "output": '{"tool_calls": [{"function": {"name": "f", "arguments": "{\\"q\\": \\"w\\"}"}}]}',
            },
            {**plain, "step_id": "u", "kind": "tool", "tool": "f", "input": "w", "start_ns": T0 + 2},
        ],
        "tool_text, nobody asked": [
            plain,
            {**plain, "step_id": "u", "kind": "tool", "tool": "f", "input": "w"},
        ],
        "tool_text, arguments given": [
            plain,
            {**plain, "step_id": "u", "kind": "tool", "tool": "f", "input": '{"q": 1}'},
        ],
        "mcp server": [
            plain,
            {**plain, "step_id": "m", "kind": "tool", "attributes": '{"mcp.method.name": "x"}'},
        ],
        "mcp client": [{**plain, "attributes": '{"mcp.method.name": "x"}'}],
        "message_tools": [{**plain, "output": '{"tool_calls": [{"id": "c1", "function": {"name": "f"}}]}'}],
        "links": [
            {**plain, "parent_id": None, "attributes": '{"otel.links": [{"trace_id": "t", "span_id": "x"}]}'}
        ],
        "build": [{**plain, "name": "workflow.build"}],
        "run": [{**plain, "name": "workflow.run"}],
        "small_times": [{**plain, "start_ns": 1_767_225_600, "end_ns": 1_767_225_601}],
        "small run times": [plain],
        "small otlp times": [{**plain, "source": "otlp", "end_ns": 1_767_225_601_000}],
        "haystack": [{**plain, "agent": None, "kind": "other", "name": "haystack.agent.run"}],
        "small times of another source": [{**plain, "source": "openinference", "start_ns": 1}],
        "agentchat_tools": [
            plain,
            {
                **plain,
                "step_id": "t",
                "parent_id": "s",
                "kind": "tool",
                "status": "ok",
                "attributes": '{"otel.scope.name": "openinference.instrumentation.autogen_agentchat"}',
            },
        ],
        "created_agents": [{**plain, "kind": "agent", "name": "create_agent a"}],
        "mastra_steps": [{**plain, "kind": "chain", "attributes": '{"mastra.span.type":"model_step"}'}],
    }
    create_stage_tables(con)
    held, owned = set(), set()
    for case, steps in stages.items():
        con.execute("DELETE FROM stage_steps")
        con.execute("DELETE FROM stage_runs")
        for row in steps:
            con.execute(
                f"INSERT INTO stage_steps ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
                list(row.values()),
            )
        if case == "small run times":
            con.execute(
                "INSERT INTO stage_runs (run_id, source, file, start_ns) VALUES ('r', 'native', 'f', ?)",
                [1_767_225_600_000],
            )
        if case == "escapes":
            con.execute(
                "INSERT INTO stage_runs (run_id, source, file, task) VALUES ('r', 'native', 'f', ?)",
                ['{"a": "caf\\u00e9"}'],
            )
        facts = StageFacts(con)
        said = {fact: facts.answer(fact) for fact in _stage_checks.all_facts()}
        held |= {fact for fact in said if not facts.nothing_for(fact)}
        for fact in said:
            if fact == "llm_in_stored_run" and said["pair"]:  # (asked by merge_same_calls only when no pair)
                continue
            own = _own_answer(con, fact)
            # (tool_text: the step's own test also asks for a model step asking for the tool; one the fact finds
            # no tool step for has none. A fact asked by a cheaper test, _stage_checks.may_facts, gives no yes of its
            # own: the step asks)
            if said[fact] is None:
                assert fact in _stage_checks.may_facts() and not facts.nothing_for(fact), (case, fact)
                said[fact] = own
            assert own == said[fact] or (fact == "tool_text" and not own), (case, fact, said[fact], own)
            owned |= {fact} if own else set()
    assert held == owned == set(_stage_checks.all_facts())  # (every fact and step's own test seen both ways)


def test_a_call_of_new_runs_reads_no_stored_step(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A small call of runs new to the store costs what the call holds, not what the store holds: the merge reads
    the steps of the runs it touches only (finalize.sql's affected_steps), and a run the store never held has none
    there. Counted as the steps table's rows each merge statement scanned (DuckDB's profile), not as time."""
    ws = wb.open()
    # 20k stored steps of 1k runs, with ids as tracers write them (random hex: no row group skipped by its bounds)
    ws.con.execute("INSERT INTO runs (run_id, n_steps) SELECT md5('r' || i), 20 FROM range(1000) t(i)")
    ws.con.execute(
        "INSERT INTO steps (run_id, step_id, status) "
        "SELECT md5('r' || (i // 20)), left(md5('s' || i), 16), 'ok' FROM range(20000) t(i)"
    )
    scanned: list[tuple[int, str]] = []
    unbounded: list[str] = []

    def profiled(step: Any) -> Any:
        """``step`` (a merge statement's runner, the report's counts), keeping the rows its statement scanned of the
        steps table."""

        def run(con: duckdb.DuckDBPyConnection, *args: Any) -> Any:
            con.execute("PRAGMA enable_profiling = 'no_output'")
            con.execute("SET profiling_coverage = 'ALL'")
            con.execute("SET profiling_mode = 'detailed'")
            out = step(con, *args)
            nodes = json.loads(con.get_profiling_information(format="json"))["operator"]
            while nodes:
                node = nodes.pop()
                nodes += node.get("children", [])
                if node.get("type") == "TABLE_SCAN" and str(node["extra_info"].get("Table", "")).endswith(
                    ".steps"
                ):
                    scanned.append(
                        (
                            node.get("rows_scanned", 0),
                            (args[0] if args and isinstance(args[0], str) else step.__name__)[:60],
                        )
                    )
                    # (a scan bounded by the call's own row ids, or not: rows_scanned alone does not tell, as a
                    # join's keys pushed down as a filter skip rows by the bounds of DuckDB's vectors)
                    if "rowid" not in str(node["extra_info"].get("Filters", "")):
                        unbounded.append(scanned[-1][1])
            con.execute("PRAGMA disable_profiling")
            return out

        return run

    # (a store this small is read by a scan, cheaper than the joins: these are the joins a large store takes)
    monkeypatch.setattr(_driver, "SMALL_STORE_STEPS", 0, raising=False)
    monkeypatch.setattr(_driver, "_timed", profiled(_driver._timed))
    monkeypatch.setattr(_driver, "_counts", profiled(_driver._counts))
    new = [
        {"run_id": "9f" * 16, "step_id": "a1" * 8, "agent": "a", "kind": "llm"},
        {"run_id": "9f" * 16, "step_id": "b2" * 8, "parent_id": "a1" * 8, "kind": "tool"},
    ]
    report = ws.ingest(new, progress=False)
    assert (report.read, report.added) == (2, 2)
    # (at most the one vector of 2,048 rows the stored rows end in; 7642204: stage_new, tree_rows, run_steps
    # and the report's count of roots each scanned all 20,000)
    assert scanned and max(scanned)[0] <= 2048, sorted(scanned)[-3:]
    # an OTLP trace whose root left its status unset: the run outcome's reading of its root and last step
    # (refresh_runs.sql's root_said) reads the call's own rows too (before: each of its parts scanned all 20,000)
    scanned.clear()
    unbounded.clear()
    # (its id amid the stored ones: an id below them all let a scan skip the rows by their bounds)
    (tmp_path / "t.jsonl").write_text(_trace(7).replace(f"{7:032x}", md5_of("t7")) + "\n")
    ws.con.execute("CALL enable_logging('QueryLog')")
    report = ws.ingest(tmp_path / "t.jsonl", progress=False)
    ws.con.execute("CALL disable_logging()")
    stmts = [
        m for (m,) in ws.con.execute("SELECT message FROM duckdb_logs() WHERE type = 'QueryLog'").fetchall()
    ]
    assert (report.read, report.added) == (5, 5)
    assert _ran(stmts, "root_said") and not _ran(stmts, "old_runs")
    assert scanned and max(scanned)[0] <= 2048, sorted(scanned)[-3:]
    # (every read of the steps table bounded by the call's row ids: 5 of root_said's joins were not, 43 -> 13 ms
    # CPU a call into a store of 100k runs, 2M steps)
    assert not unbounded, unbounded
    # a step added to a stored run: that run's steps are read (the rest of the store still is not asked about)
    report = ws.ingest([{"run_id": md5_of("r0"), "step_id": "c3" * 8, "kind": "tool"}], progress=False)
    assert (report.read, report.added) == (1, 1)
    assert ws.sql("SELECT n_steps FROM runs WHERE run_id = ?", [md5_of("r0")]).fetchall() == [(21,)]
    assert ws.sql("SELECT count(*), count(DISTINCT (run_id, step_id)) FROM steps").fetchall() == [
        (20008, 20008)
    ]


def md5_of(text: str) -> str:
    import hashlib

    return hashlib.md5(text.encode()).hexdigest()  # noqa: S324 - an id as the store's SQL makes it, not a secret


def test_affected_steps_are_read_as_the_store_and_the_call_ask(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """finalize.sql defines the steps of the affected runs three ways (_driver._steps_left_out): a scan of a small
    store for a small call (store_steps), the call's own rows when no affected run was stored (new_steps: a large
    call into a small store too), the runs held through their rows (old_steps). Each stores the same rows."""
    path = tmp_path / "t.jsonl"
    path.write_text(
        _trace(1) + "\n" + _trace(2, agent=None) + "\n"
    )  # (roots left unset: root_said reads steps)

    def store(small: int) -> tuple[dict[str, list], list[list[str]]]:
        monkeypatch.setattr(_driver, "SMALL_STORE_STEPS", small)
        ws = wb.open()
        logs = [_logged(ws, path)[1] for _ in range(2)]  # new runs, then the same again (stored runs)
        tables = {
            t: sorted(map(repr, ws.sql(f"SELECT * FROM {t}").fetchall())) for t in ("runs", "steps", "edges")
        }
        return tables, logs

    scan, (first, again) = store(100_000)
    assert not any("wb_steps_before" in s for s in first + again)
    # (8 steps at most in a small store with the call: a call of 10 new steps reads its own rows, the same again reads
    # the stored runs' steps through their rows)
    own, (first, again) = store(8)
    assert (
        any("wb_steps_before" in s for s in first)
        and not _ran(first, "old_runs")
        and _ran(first, "root_said")
    )
    assert _ran(again, "old_runs")
    assert own == scan
