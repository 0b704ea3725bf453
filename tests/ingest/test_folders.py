"""Folders and odd paths: read what can be read, list what was skipped and why, take paths literally."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

import workbench as wb

T0 = 1_767_225_600_000_000_000


def _native(path: Path, run: str) -> Path:
    path.write_text(json.dumps({"run_id": run, "step_id": "s1", "kind": "llm", "started_at": T0}) + "\n")
    return path


def test_a_folder_reads_what_it_can_and_lists_the_rest(tmp_path: Path) -> None:
    root = tmp_path / "logs"
    (root / "sub").mkdir(parents=True)
    _native(root / "a.jsonl", "ra")
    _native(root / "sub" / "b.jsonl", "rb")
    (root / "README.md").write_text("# notes about these logs\n")
    (root / "empty.jsonl").write_text("")
    (root / "blank.json").write_text("\n  \n")
    (root / ".hidden.jsonl").write_text("whatever")
    (root / "broken.jsonl.gz").write_bytes(b"\x1f\x8b\x08\x00garbage")
    os.mkfifo(root / "pipe")
    (root / "loop").symlink_to(root, target_is_directory=True)
    (root / "dangling.jsonl").symlink_to(root / "nowhere.jsonl")
    ws = wb.open()
    report = ws.ingest(root)
    assert sorted(ws.runs()["run_id"]) == ["ra", "rb"]
    skipped = dict(s.split(": ", 1) for s in report.skipped)
    by_name = {Path(k).name: v for k, v in skipped.items()}
    assert by_name["README.md"] == "not in any known format"
    assert by_name["empty.jsonl"] == "empty file" and by_name["blank.json"] == "empty file"
    assert by_name["pipe"].startswith("not a regular file")
    assert by_name["loop"].startswith("symlink loop")
    assert by_name["dangling.jsonl"].startswith("broken symlink")
    assert by_name[".hidden.jsonl"] == "hidden"
    # A .gz that breaks before anything can be read is one quarantined record, not a failed folder.
    assert report.quarantined == 1 and "broken" in ws.quarantine().iloc[0]["reason"]
    assert report.read == report.stored + report.quarantined
    assert "skipped" in str(report)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads folders whatever their mode")
def test_an_unreadable_subfolder_is_skipped(tmp_path: Path) -> None:
    _native(tmp_path / "a.jsonl", "ra")
    locked = tmp_path / "locked"
    locked.mkdir()
    _native(locked / "b.jsonl", "rb")
    locked.chmod(0)
    try:
        report = wb.open().ingest(tmp_path)
    finally:
        locked.chmod(0o755)
    assert any("unreadable folder" in s for s in report.skipped)


def test_a_named_file_in_no_format_is_still_an_error(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text("# hello\n")
    with pytest.raises(wb.FormatError, match="README.md"):
        wb.open().ingest(readme)


def test_an_existing_path_is_taken_literally_before_any_glob_and_a_glob_still_works_for_others(
    tmp_path: Path,
) -> None:
    # (three literal names and one glob in one call: each name is read as it is given)
    names = ["run[1].jsonl", "star*.jsonl", "what?.jsonl"]
    for n, name in enumerate(names):
        _native(tmp_path / name, f"literal{n}")
    _native(tmp_path / "star-other.jsonl", "other")  # what "star*" would match as a glob
    _native(tmp_path / "run1.jsonl", "other1")  # what "run[1]" would match as a glob
    _native(tmp_path / "whatX.jsonl", "other2")  # what "what?" would match as a glob
    # a glob for paths that do not exist still works
    _native(tmp_path / "a1.jsonl", "r1")
    _native(tmp_path / "a2.jsonl", "r2")
    ws = wb.open()
    report = ws.ingest([tmp_path / name for name in names] + [str(tmp_path / "a*.jsonl")])
    assert sorted(ws.runs()["run_id"]) == ["literal0", "literal1", "literal2", "r1", "r2"]
    assert len(report.files) == 5


def test_a_file_name_that_is_not_utf8_is_read_and_shown_escaped(tmp_path: Path) -> None:
    raw_name = os.fsencode(tmp_path) + b"/caf\xe9.jsonl"
    with open(raw_name, "wb") as fh:
        fh.write(json.dumps({"run_id": "r", "step_id": "s"}).encode() + b"\n{broken\n")
    ws = wb.open()
    report = ws.ingest(os.fsdecode(raw_name))
    assert report.stored == 1 and report.quarantined == 1
    assert ws.quarantine().iloc[0]["file"].endswith("caf\\xe9.jsonl")
    report = ws.ingest(raw_name)  # bytes paths too
    assert report.added == 0


def test_the_same_file_named_twice_in_one_call_is_read_once(tmp_path: Path) -> None:
    """Overlapping names (a file and its folder, a glob, a link) read each file once: read twice in one call,
    its steps were duplicates of themselves and quarantined, where a second call adds nothing."""
    root = tmp_path / "logs"
    root.mkdir()
    a = _native(root / "a.jsonl", "ra")
    _native(root / "b.jsonl", "rb")
    (tmp_path / "link.jsonl").symlink_to(a)
    ws = wb.open()
    report = ws.ingest([a, root, str(root / "*.jsonl"), tmp_path / "link.jsonl", a])
    assert report.quarantined == 0 and report.read == report.stored == 2
    assert sorted(ws.runs()["run_id"]) == ["ra", "rb"]
    repeats = [s.split(": ", 1) for s in report.skipped if "read once" in s]
    # a through its folder, the glob, the link and by name again; b through the glob.
    assert len(repeats) == 5 and all(
        why == f"the same file as {name}, read once"
        for name, why in [(str(a if "b.jsonl" not in p else root / "b.jsonl"), w) for p, w in repeats]
    )
    assert len(report.files) == 2
    # A file in no known format is skipped in a folder, and when named among other files (below); an error
    # when named on its own.
    (root / "notes.txt").write_text("not a log\n")
    assert any("notes.txt" in s for s in wb.open().ingest(root).skipped)
    with pytest.raises(wb.exceptions.FormatError, match="notes.txt"):
        wb.open().ingest(root / "notes.txt")


def test_a_file_of_no_known_format_named_among_others_loses_only_itself(tmp_path: Path) -> None:
    """A list of exports holding one file of something else (a span's bare attribute map, as the public
    OpenInference samples are written) stored nothing and raised before (real34): now that file is skipped,
    named with why, and the others are stored in the same one transaction. Nothing read at all still raises."""
    good = _native(tmp_path / "a.jsonl", "ra")
    bare = tmp_path / "span_attributes.json"
    bare.write_text(json.dumps({"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "get_forecast"}))
    notes = tmp_path / "notes.txt"
    notes.write_text("not a log\n")
    ws = wb.open()
    report = ws.ingest([bare, good, notes], progress=False)
    assert ws.runs().run_id.tolist() == ["ra"]
    assert report.read == report.stored == 1 and report.quarantined == 0 and len(report.files) == 1
    why = dict(s.split(": ", 1) for s in report.skipped)
    assert sorted(why) == sorted([str(bare), str(notes)])
    assert why[str(bare)].startswith("not in any known format (tried native, otlp")
    assert "format=NAME" in why[str(bare)] and "the others were read" in why[str(bare)]
    assert str(bare) in str(report)
    with pytest.raises(
        wb.exceptions.FormatError, match="span_attributes.json: not in any known format. Tried"
    ):
        ws.ingest([bare, notes], progress=False)
    assert ws.runs().run_id.tolist() == ["ra"]


def test_a_long_skipped_list_says_how_many_it_leaves_out(tmp_path: Path) -> None:
    # A folder of many unreadable files: the text and HTML reports show a few and say how many more,
    # so that "skipped 12" is never followed by a list that looks complete with 5 names.
    root = tmp_path / "logs"
    root.mkdir()
    _native(root / "a.jsonl", "ra")
    for i in range(12):
        (root / f"notes{i:02d}.txt").write_text(f"not a log {i}\n")
    report = wb.open().ingest(root)
    assert len(report.skipped) == 12
    text = str(report)
    assert "skipped 12: " in text and "… and 7 more" in text
    page = report._repr_html_()
    assert "skipped 12: " in page and "… and 2 more" in page
