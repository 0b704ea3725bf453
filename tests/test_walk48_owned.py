"""walk48: what a newcomer stumbled on in areas other helpers owned (a strict xfail, mended by the lead in round 48)."""

from __future__ import annotations

import json
from pathlib import Path

import workbench as wb


def test_the_report_says_once_that_the_other_files_were_read(tmp_path: Path) -> None:
    good = {"record": "step", "run_id": "r1", "step_id": "s1", "agent": "a", "kind": "llm", "status": "ok"}
    (tmp_path / "good.jsonl").write_text(json.dumps(good) + "\n", encoding="utf-8")
    for n in range(3):  # flat attribute maps, as the OpenInference GenAI package's test fixtures are: no span
        (tmp_path / f"attrs{n}.json").write_text(
            json.dumps({"gen_ai.operation.name": "chat"}), encoding="utf-8"
        )
    report = wb.open().ingest(
        sorted(map(str, tmp_path.iterdir())), progress=False
    )  # named, as a shell glob does
    assert len(report.skipped) == 3
    assert str(report).count("the others were read") == 1, str(report)
    assert str(report).count("tried native") == 1 and str(report).count("(as above)") == 2, str(report)
