"""The same log read twice adds nothing, whatever path each copy came by (store39).

Before: runs written to a native file by ``write_jsonl`` (sorted keys) and ingested, then ingested again as the
Python records they were written from (keys in insertion order), quarantined three steps in four as conflicts
("differs in output"): the merge compared JSON text by DuckDB's ``json()``, which keeps key order and number
forms. Now two JSON values are the same when a JSON reader reads the same value from both (store/_same_json.py):
object key order never matters, array order does, numbers compare by value, escapes are read.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pandas as pd
import pytest

import workbench as wb
from workbench.store._same_json import same_json

# (first text, second text) that hold the same value
SAME = {
    "key order": ('{"a":1,"b":2}', '{"b":2,"a":1}'),
    "nested key order": (
        '{"o":{"x":1,"y":[{"p":1,"q":2}]},"z":null}',
        '{"z":null,"o":{"y":[{"q":2,"p":1}],"x":1}}',
    ),
    "number forms": ("[1,2.5,1000,0.1,0]", "[1.0,2.50,1e3,1E-1,-0]"),
    "unicode escapes": ('{"name":"\\u00e9t\\u00e9 \\ud83d\\ude00"}', '{"name":"été 😀"}'),
    "spaces": ('{"a": [1, 2], "b": {"c": true}}', '{"a":[1,2],"b":{"c":true}}'),
    "escaped slash": ('["a/b"]', '["a\\/b"]'),
}
# (first text, second text) that do not
OTHER = {
    "array order": ("[1,2]", "[2,1]"),
    "true is not 1": ('{"a":true}', '{"a":1}'),
    "another number": ('{"a":1}', '{"a":1.0000001}'),
    "integers a double cannot tell apart": ("[9007199254740993]", "[9007199254740992]"),
    "a nested value": ('{"o":{"x":1},"p":2}', '{"p":2,"o":{"x":2}}'),
    "a key more": ('{"a":1}', '{"a":1,"b":null}'),
    "text is not a number": ('["1"]', "[1]"),
    "composed and decomposed": ('["\\u00e9"]', '["e\\u0301"]'),
    "object and array": ('{"a":{}}', '{"a":[]}'),
}


def test_same_json_values() -> None:
    for x, y in SAME.values():
        assert same_json(x, y) and same_json(y, x), (x, y)
    for x, y in OTHER.values():
        assert not same_json(x, y) and not same_json(y, x), (x, y)
    big = "123456789012345678901234567890"  # past 64 bits: read exactly, not as a double
    assert same_json(f"[{big}]", f"[{big}]") and not same_json(f"[{big}]", f"[{big[:-1]}1]")
    assert not same_json('{"a":', '{"a":1}')


def _line(run: str, value: str, field: str) -> str:
    """A native step whose ``field`` (input, output or attributes) is the JSON text ``value`` as written (the
    attributes, an object, hold it under one key)."""
    value = f'{{"v": {value}}}' if field == "attributes" else value
    head = json.dumps(
        {
            "record": "step",
            "run_id": run,
            "step_id": "s1",
            "agent": "planner",
            "kind": "llm",
            "started_at": "2026-03-01T10:00:00Z",
            "ended_at": "2026-03-01T10:00:01Z",
        }
    )
    return head[:-1] + f', "{field}": {value}}}\n'


FIELDS = ("input", "output", "attributes")


def _files(tmp_path: Path, pairs: dict[str, tuple[str, str]]) -> tuple[Path, Path]:
    """Each pair's first value in one file, its second in the other, as each field (input, output and
    attributes: a run of its own, ``field-i``): the fields' comparisons in two files, not six."""
    first, second = tmp_path / "first.jsonl", tmp_path / "second.jsonl"
    for path, k in ((first, 0), (second, 1)):
        path.write_text(
            "".join(
                _line(f"{field}-{i}", pair[k], field)
                for field in FIELDS
                for i, pair in enumerate(pairs.values())
            )
        )
    return first, second


def _rows(ws: wb.Workspace) -> list[tuple]:
    """Every step and run row, their JSON text as stored (a run's source is the reader of the run record read
    last, by design: left out)."""
    return (
        ws.sql("SELECT * FROM steps ORDER BY run_id, step_id").fetchall()
        + ws.sql("SELECT * EXCLUDE (source) FROM runs ORDER BY run_id").fetchall()
    )


def test_the_same_value_written_otherwise_adds_nothing(tmp_path: Path) -> None:
    first, second = _files(tmp_path, SAME)
    n = len(SAME) * len(FIELDS)
    with wb.open() as ws:
        ws.ingest(first, progress=False)
        before = _rows(ws)
        again = ws.ingest(second, progress=False)
        assert (again.added, again.quarantined, again.stored) == (0, 0, n)
        assert _rows(ws) == before  # the first copy's text kept
    with wb.open() as ws:  # the two in one call: the second is a repeat of the first
        both = ws.ingest([first, second], progress=False)
        assert (both.added, both.quarantined) == (n, 0)


def test_another_value_is_a_conflict_naming_the_column(tmp_path: Path) -> None:
    first, second = _files(tmp_path, OTHER)
    n = len(OTHER) * len(FIELDS)

    def reasons(ws: wb.Workspace) -> dict[str, list[str]]:
        """The quarantine's reasons by the field the run's values are in."""
        out: dict[str, list[str]] = {}
        for run, reason in ws.sql("SELECT run_id, reason FROM quarantine").fetchall():
            out.setdefault(run.split("-")[0], []).append(reason)
        assert sorted(out) == sorted(FIELDS) and all(len(r) == len(OTHER) for r in out.values()), out
        return out

    with wb.open() as ws:
        ws.ingest(first, progress=False)
        again = ws.ingest(second, progress=False)
        assert (again.added, again.quarantined) == (0, n)
        for field, said in reasons(ws).items():
            assert all(
                r.startswith("conflicts with the stored step s1") and r.endswith(f"differs in {field}")
                for r in said
            ), (field, said)
    with wb.open() as ws:
        both = ws.ingest([first, second], progress=False)
        assert (both.added, both.quarantined) == (n, n)
        for field, said in reasons(ws).items():
            assert all(
                r.startswith("duplicate step id s1") and r.endswith(f"differs in {field}") for r in said
            ), (field, said)


@pytest.fixture(scope="module")
def _runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict]]:
    """The simulator's runs, made and written once a module (the file is only read)."""
    runs = list(wb.sim.procurement(seed=3).generate(n_runs=3))
    path = tmp_path_factory.mktemp("store39") / "runs.jsonl"
    wb.sim.write_jsonl(runs, path)
    return path, [rec for run in runs for rec in run.to_records()]


@pytest.fixture()
def sources(_runs: tuple[Path, list[dict]]) -> dict[str, object]:
    """The same runs by each path a user has: the native file write_jsonl writes (sorted keys), its records as
    Python objects (keys in the order the simulator made them), and those records as a DataFrame (a test's own
    copies of the records)."""
    path, records = _runs
    records = copy.deepcopy(records)
    return {"file": path, "objects": records, "frame": pd.DataFrame(records)}


@pytest.mark.parametrize(
    ("one", "other"), [("file", "objects"), ("objects", "file"), ("frame", "file"), ("file", "frame")]
)
def test_the_same_runs_by_another_path_add_nothing(sources: dict[str, object], one: str, other: str) -> None:
    with wb.open() as ws:
        first = ws.ingest(sources[one], progress=False)
        assert first.added > 0 and first.quarantined == 0
        before = _rows(ws)
        again = ws.ingest(sources[other], progress=False)
        assert (again.added, again.quarantined, again.stored) == (0, 0, first.stored)
        assert _rows(ws) == before


def test_an_export_of_the_same_runs_stored_by_another_path_adds_nothing(
    tmp_path: Path, sources: dict[str, object]
) -> None:
    with wb.open() as by_file:
        by_file.ingest(sources["file"], progress=False)
        by_file.export(tmp_path / "export")
    with wb.open() as ws:
        ws.ingest(sources["objects"], progress=False)
        before = _rows(ws)
        merged = ws.ingest(tmp_path / "export", progress=False)
        assert (merged.added, merged.quarantined) == (0, 0)
        assert _rows(ws) == before


def _attr(key: str, value: object) -> dict:
    kind = {bool: "boolValue", int: "intValue", float: "doubleValue"}.get(type(value), "stringValue")
    return {"key": key, "value": {kind: str(value) if kind == "intValue" else value}}


def _otlp(path: Path, attrs: list[dict]) -> Path:
    span = {
        "traceId": "ab" * 16,
        "spanId": "02" * 8,
        "parentSpanId": "",
        "name": "execute_tool get_price",
        "kind": 1,
        "startTimeUnixNano": "1767225600100000000",
        "endTimeUnixNano": "1767225600200000000",
        "attributes": attrs,
        "status": {},
    }
    path.write_text(
        json.dumps(
            {
                "resourceSpans": [
                    {
                        "resource": {"attributes": [_attr("service.name", "shop")]},
                        "scopeSpans": [{"scope": {"name": "t"}, "spans": [span]}],
                    }
                ]
            }
        )
    )
    return path


def test_an_otlp_span_from_another_exporter_with_its_attributes_in_another_order_adds_nothing(
    tmp_path: Path,
) -> None:
    attrs = [
        _attr("gen_ai.operation.name", "execute_tool"),
        _attr("gen_ai.tool.name", "get_price"),
        _attr("gen_ai.tool.call.arguments", '{"sku": "A"}'),
        _attr("retries", 2),
    ]
    first = _otlp(tmp_path / "a.json", attrs)
    # another exporter: the attributes in its own order, the count as a double (JSON has one number type)
    second = _otlp(tmp_path / "b.json", [_attr("retries", 2.0), attrs[2], attrs[1], attrs[0]])
    with wb.open() as ws:
        ws.ingest(first, progress=False)
        before = _rows(ws)
        again = ws.ingest(second, progress=False)
        assert (again.added, again.quarantined) == (0, 0)
        assert _rows(ws) == before
        assert not any("another exporter" in n for n in again.notes)  # a repeat, not a copy told apart
