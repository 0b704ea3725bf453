"""``ws.ingest`` given odd Python values (real38): each is read as what it is, or is a clear error.

Before: None, a number, a set, a bytearray or memoryview failed deep in the driver ("ingest failed while reading
<records>: TypeError: 'NoneType' object is not iterable") or had each item quarantined as a record; one dict had
each of its keys quarantined; a pandas Series each value; ``ws.ingest("")`` read the current folder and all
under it (``Path("")`` is ``.``); bytes holding a log's text were "<the text>: no such file".
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from _deep import deep

import workbench as wb
from workbench.exceptions import InvalidParameterError

REC = {"run_id": "r", "step_id": "s", "agent": "a", "kind": "llm"}


@pytest.mark.parametrize(
    "source, error, words",
    [
        (None, TypeError, "cannot read None"),
        (5, TypeError, "cannot read 5 (a int)"),
        (1.5, TypeError, "a float"),
        ({1, 2}, TypeError, "a set has no order"),
        (bytearray(b"{}"), TypeError, "a bytearray"),
        (memoryview(b"{}"), TypeError, "a memoryview"),
        (b'{"run_id": "r", "step_id": "s"}\n', TypeError, "bytes of text, not a path"),
        (pd.Series(REC), TypeError, "a pandas Series"),
        ("", InvalidParameterError, "an empty path"),
        ("  ", InvalidParameterError, "an empty path"),
        (["", "x.jsonl"], InvalidParameterError, "an empty path in its list"),
        (b"", InvalidParameterError, "an empty path"),
    ],
    ids=lambda v: type(v).__name__ if not isinstance(v, str) else repr(v),
)
def test_what_cannot_be_read_is_a_clear_error_and_stores_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, source, error, words
) -> None:
    # (a log file in the current folder: the empty path read it, and the folder's every other file)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "x.jsonl").write_text(json.dumps(REC) + "\n", encoding="utf-8")
    ws = wb.open()
    with pytest.raises(error, match="ws.ingest") as info:
        ws.ingest(source, progress=False)
    assert words in str(info.value)
    assert ws.sql("SELECT count(*) FROM steps").fetchall() == [(0,)]


def test_one_dict_is_one_record() -> None:
    ws = wb.open()
    report = ws.ingest(REC, progress=False)
    assert (report.read, report.stored, report.quarantined) == (1, 1, 0)


# A list, an iterator (a generator), an iterable that is no iterator (a dict's values) and a frame: each a path of
# _sources.ingest_source and the driver; a tuple goes the list's way and a plain iterator or a map the generator's
# (WORKBENCH_DEEP_TESTS=1 reads them too).
_MAKERS = {
    "list": lambda: [REC],
    "generator": lambda: (r for r in [REC]),
    "dict_values": lambda: {"k": REC}.values(),
    "frame": lambda: pd.DataFrame([REC]),
}
if deep():
    _MAKERS.update(
        {"tuple": lambda: (REC,), "iterator": lambda: iter([REC]), "map": lambda: map(dict, [REC])}
    )


@pytest.mark.parametrize("make", list(_MAKERS.values()), ids=list(_MAKERS))
def test_iterables_of_records_give_the_same_store(make) -> None:
    ws = wb.open()
    assert ws.ingest(make(), progress=False).stored == 1
    assert ws.sql("SELECT run_id, step_id, agent, kind FROM steps").fetchall() == [("r", "s", "a", "llm")]


def test_paths_of_every_kind_are_read(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    path.write_text(json.dumps(REC) + "\n", encoding="utf-8")
    for source in (
        path,
        str(path),
        bytes(path),
        [path],
        (str(path),),
        str(tmp_path),
        str(tmp_path / "*.jsonl"),
    ):
        ws = wb.open()
        assert ws.ingest(source, progress=False).stored == 1, source


def test_a_bad_item_among_records_costs_only_itself() -> None:
    ws = wb.open()
    report = ws.ingest([REC, None, [REC], "text"], progress=False)
    assert (report.read, report.stored, report.quarantined) == (4, 1, 3)
