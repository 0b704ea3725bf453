"""Bad names and modes given to public entry points raise InvalidParameterError naming the parameter and the value.

README, "Errors": "Every bad argument (a value out of range, an unknown name or mode, …) raises
``InvalidParameterError`` naming the parameter and the value". Found otherwise (params46's sweep of the entry
points taking a name or mode): ``detect(detectors="loop")`` read the string letter by letter ("unknown
detector(s) ['l', 'o', 'p']"), ``evaluate_attribution(method=5)`` raised a bare ``TypeError``, and
``logonly_verdicts`` / ``attribute_logonly`` with a ``model`` that is no model a bare ``AttributeError`` from
inside (``ingest(format=...)``: tests/test_claims45_xfail.py)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

import workbench as wb


@pytest.fixture(scope="module")
def ws() -> wb.Workspace:
    """One run whose pricer calls the same tool with the same arguments four times (a loop), and fails."""
    ws = wb.open()
    steps = [
        {"record": "step", "run_id": "r1", "step_id": f"s{i}", "agent": "pricer", "kind": "tool",
         "tool": "get_price", "input": {"sku": "A"}, "output": "no price", "status": "ok", "seq": i}
        for i in range(4)
    ]  # fmt: skip
    ws.ingest([*steps, {"record": "outcome", "run_id": "r1", "outcome": "failure"}], progress=False)
    return ws


def test_one_detector_named_as_a_string_is_that_detector(ws: wb.Workspace) -> None:
    one = wb.detect(ws, detectors="loop")
    assert set(one["detector"]) == {"loop"}
    assert one[["run_id", "step_id"]].equals(wb.detect(ws, detectors=["loop"])[["run_id", "step_id"]])
    with pytest.raises(wb.InvalidParameterError, match=r"unknown detector\(s\) \['nope'\]"):
        wb.detect(ws, detectors="nope")
    with pytest.raises(wb.InvalidParameterError, match="detectors must be a name or a list of names .*int 5"):
        wb.detect(ws, detectors=5)
    with pytest.raises(wb.InvalidParameterError, match="run_ids must be a name .*bytes b'r1'"):
        wb.logonly_verdicts(ws, b"r1")  # (read as its byte values, 114 and 49)


def test_a_method_or_model_that_is_none_is_named(ws: wb.Workspace) -> None:
    with pytest.raises(wb.InvalidParameterError, match="method must be a name or a list of names .*int 5"):
        wb.evaluate_attribution(ws, method=5)
    for call in (wb.logonly_verdicts, wb.attribute_logonly):
        for bad in ("pretrained-ish", 5):
            with pytest.raises(wb.InvalidParameterError, match=f"model must be a fitted BlameModel.*{bad!r}"):
                call(ws, ["r1"], model=bad)


@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() != 0, reason="mknod of a device node needs root"
)
def test_a_snapshot_replaces_no_device_even_when_told_to_replace(tmp_path: Path, ws: wb.Workspace) -> None:
    device = tmp_path / "null"
    os.mknod(device, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    with pytest.raises(wb.StoreError, match="is a character device, not a file"):
        ws.snapshot(device, replace=True)
    assert stat.S_ISCHR(os.stat(device).st_mode)


def test_runs_and_open_name_a_bad_argument(ws: wb.Workspace) -> None:
    # a number as system raised DuckDB's ConversionException, a negative limit its BinderException, a string or
    # a float as limit was taken; read_only="no" reached duckdb.connect() (a bare TypeError, and "no" is truthy)
    for bad in (5, ["pricer"]):
        with pytest.raises(wb.InvalidParameterError, match=f"system must be a system's name .*{bad!r}"):
            ws.runs(system=bad)
    for bad in (-1, "5", 2.5, True):
        with pytest.raises(
            wb.InvalidParameterError, match=f"limit must be >= 0, an integer \\(got {bad!r}\\)"
        ):
            ws.runs(limit=bad)
    assert len(ws.runs(limit=0)) == 0 and len(ws.runs(system="nope")) == 0
    with pytest.raises(wb.InvalidParameterError, match="read_only must be True or False .*'no'"):
        wb.open(read_only="no")


def test_detector_scores_name_a_findings_table_that_is_none(ws: wb.Workspace) -> None:
    # a string raised "string indices must be integers", a frame without the detector column a bare KeyError
    for score in (wb.evaluate_detectors, wb.drift_delay):
        with pytest.raises(
            wb.InvalidParameterError, match="findings must be a DataFrame with columns .*got str"
        ):
            score(ws, findings="loop")
        with pytest.raises(wb.InvalidParameterError, match="findings has no column .*detector"):
            score(ws, findings=ws.runs())
    found = wb.detect(ws)
    assert wb.evaluate_detectors(ws, findings=found).equals(wb.evaluate_detectors(ws))


def test_calibration_names_a_bad_bin_count_or_strategy(ws: wb.Workspace) -> None:
    # said by scikit-learn's calibration_curve (naming it), after the store was read, or not at all on a store
    # without confidences (this one); n_bins "3" raised a TypeError, 2.5 was taken
    with pytest.raises(
        wb.InvalidParameterError, match="strategy must be 'quantile' or 'uniform' \\(got 'nope'\\)"
    ):
        wb.confidence_calibration(ws, strategy="nope")
    for bad in ("3", 2.5, True, 1):
        with pytest.raises(
            wb.InvalidParameterError, match=f"n_bins must be >= 2, an integer \\(got {bad!r}\\)"
        ):
            wb.confidence_calibration(ws, n_bins=bad)
