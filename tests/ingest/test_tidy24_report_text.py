"""``str(IngestReport)`` quotes file names and reasons from logs: no control character reaches the terminal
(ANSI escapes, a bidi override, NUL ...), made visible as the CLI's printer makes them (_termtext.clean)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import workbench as wb
from workbench.ingest._driver import IngestReport

CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


def test_a_hostile_file_name_and_values_print_inert(tmp_path: Path) -> None:
    path = tmp_path / "runs\x1b[2J\u202e.jsonl"
    bad = {"record": "step", "run_id": "r1", "step_id": "s1", "seq": "x\u202e\x00", "kind": "llm"}
    path.write_text(
        json.dumps({"record": "run", "run_id": "r1", "system": "s", "outcome": "failure"})
        + "\n"
        + json.dumps(bad)
        + "\n{not json \x1b[5m\n",
        "utf-8",
    )
    report = wb.open().ingest(str(path), progress=False)
    assert report.quarantined == 2
    text = str(report)
    assert not CONTROL.search(text), repr(text)
    assert "runs^[[2J<U+202E>.jsonl:2:" in text and "runs^[[2J<U+202E>.jsonl:3: broken JSON" in text


def test_every_part_of_the_report_is_cleaned() -> None:
    hostile = "a\x1b]0;pwned\x07b\u202ec\x00d"
    report = IngestReport(
        read=1,
        stored=0,
        quarantined=1,
        errors=[f"f:1: {hostile}"],
        skipped=[f"{hostile}: empty"],
        notes=[f"{hostile}\nread 999 records"],
    )
    text = str(report)
    assert not CONTROL.search(text), repr(text)
    assert text.count("a^[]0;pwned^Gb<U+202E>c^@d") == 3
    assert "\nread 999" not in text  # a note is one line of the report, as errors and skipped files are
