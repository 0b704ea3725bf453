"""storeb48: attack47's LOW notes on arguments and times.

- ``iso_to_ns`` took the digits of any script: Python's ``\\d`` and ``int()`` read Arabic-Indic (``'.٥Z'``: half a
  second) and fullwidth digits in a fraction, and a text of Arabic-Indic digits alone as nanoseconds (a 2009 time),
  where ``fromisoformat`` refuses an hour written so. ASCII digits only now: such a time is a bad record, named.
  (A space before the zone, ``'.5 Z'``, stays read: ``' +01:00'`` is, as Java's and log4j's
  ``yyyy-MM-dd HH:mm:ss.SSS Z`` write it, and ``Z`` says the same zone.)
- run ids that are no list of ids: ``wb.detect(ws, 5)`` raised a bare "'int' object is not iterable",
  ``wb.detect(ws, b'r1')`` called the bytes "the string", and ``[None]`` ran on a run "None" (that is: nothing),
  unsaid. :class:`InvalidParameterError` naming the parameter now (still a ``TypeError`` too, as the refusal of a
  lone string was).
"""

from __future__ import annotations

from pathlib import Path

import pytest

import workbench as wb
from workbench.exceptions import InvalidParameterError
from workbench.ingest._values import iso_to_ns


@pytest.mark.parametrize(
    "text",
    ["2026-01-05T10:00:00.\u0665Z", "2026-01-05T10:00:00.\uff15Z", "\u0661\u0667\u0666\u0667" * 4],
    ids=["arabic_indic_fraction", "fullwidth_fraction", "arabic_indic_digits_alone"],
)
def test_a_time_in_digits_of_another_script_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="Invalid isoformat string"):
        iso_to_ns(text)


def test_a_space_before_the_zone_reads_as_the_zone() -> None:
    assert iso_to_ns("2026-01-05T10:00:00.5 Z") == iso_to_ns("2026-01-05T10:00:00.5+00:00")
    assert iso_to_ns("2026-01-05T10:00:00.5 +01:00") == iso_to_ns("2026-01-05T09:00:00.5Z")


def test_a_log_time_in_arabic_indic_digits_is_quarantined_not_stored() -> None:
    with wb.open() as ws:
        ws.ingest([{"run_id": "r1", "step_id": "s1", "agent": "a", "kind": "llm",
                    "started_at": "2026-01-05T10:00:00.\u0665Z"}], progress=False)  # fmt: skip
        assert ws.sql("SELECT started_at FROM steps").fetchall() == []
        ((reason,),) = ws.sql("SELECT reason FROM quarantine").fetchall()
        assert "\u0665" in reason


@pytest.fixture(scope="module")
def ws() -> wb.Workspace:
    ws = wb.open()
    ws.ingest([{"run_id": "r1", "step_id": f"s{i}", "agent": "a", "kind": "tool", "tool": "search", "input": "q",
                "output": "none", "started_at": f"2026-01-05T10:00:0{i}Z"} for i in range(8)], progress=False)  # fmt: skip
    return ws  # (a run calling one tool eight times alike: a loop, found)


@pytest.mark.parametrize(
    "runs, said",
    [(5, r"run_ids must be a list of run ids \(got int 5\)"),
     (b"r1", r"run_ids must be a list of run ids \(str\), not bytes \(b'r1'\)"),
     ([None], "run_ids holds NoneType None at position 0"),
     (["r1", {"r": 1}], "run_ids holds dict {'r': 1} at position 1")],
    ids=["int", "bytes", "none", "dict"],
)  # fmt: skip
def test_run_ids_that_are_none_are_named(ws: wb.Workspace, runs: object, said: str) -> None:
    with pytest.raises(InvalidParameterError, match=said) as caught:
        wb.detect(ws, runs, progress=False)  # type: ignore[arg-type]
    assert isinstance(caught.value, TypeError)
    assert ws.sql("SELECT count(*) FROM detected").fetchall() == [(0,)]
    with pytest.raises(InvalidParameterError, match=said.replace("run_ids", "sweep_thresholds: runs")):
        wb.sweep_thresholds(ws, runs=runs)  # type: ignore[arg-type]


def test_the_detectors_macros_are_no_data_of_the_store(
    ws: wb.Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A detect attaches the detectors' macros to the store's DuckDB instance, in memory (detect/_macros.py):
    ``SHOW DATABASES`` and ``duckdb_functions()`` list them (DuckDB 2.0.1 hides no attached database), but the
    store's own views of its data hold none of it, an export of the database carries none, and a user's DETACH
    of it costs the next detect nothing."""
    found = wb.detect(ws, detectors=["loop"], progress=False)
    assert "loop" in set(found["detector"])
    held = {"attributions", "derived_tools", "detected", "edges", "findings", "labels", "linked_roots", "meta",
            "quarantine", "rule_agents", "rule_handoffs", "runs", "steps"}  # fmt: skip
    assert {t for (t,) in ws.sql("SHOW TABLES").fetchall()} == held
    assert {
        c for (c,) in ws.sql("SELECT DISTINCT table_catalog FROM information_schema.tables").fetchall()
    } == {ws.sql("SELECT current_database()").fetchall()[0][0]}
    ws.sql(f"EXPORT DATABASE '{tmp_path / 'db'}'")  # (the test's own folder)
    assert "MACRO" not in (tmp_path / "db" / "schema.sql").read_text().upper()
    from workbench._macros_catalogue import DATABASE  # (its name has a part drawn per process: mend48)

    ws.sql(f"DETACH {DATABASE}")
    assert wb.detect(ws, detectors=["loop"], progress=False).equals(found)
    # (fixed52: the process's read-only catalogue file; where none can be made, the macros are made in memory as
    # before, and find the same)
    from workbench._macros_catalogue import FILES
    from workbench.detect import _macros

    where = "SELECT path FROM duckdb_databases() WHERE database_name = ?"
    assert ws.sql(where, params=[DATABASE]).fetchall()[0][0] in FILES, (
        "the macros are not the catalogue file's"
    )
    ws.sql(f"DETACH {DATABASE}")
    monkeypatch.setattr(_macros, "_catalogue_file", lambda versions: None)
    assert wb.detect(ws, detectors=["loop"], progress=False).equals(found), (
        "the in-memory macros find otherwise"
    )
    assert ws.sql(where, params=[DATABASE]).fetchall() == [(None,)], (
        "no catalogue file: the macros not in memory"
    )
