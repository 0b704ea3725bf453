"""A model call's inner span stored alone by an earlier call, then its parent span with a second inner span: read
in one call the parent has two LLM children and all three are steps. The second call folded the parent with the
new inner span (its staged children were one), the stored one left beside it: the store hung on how the files
were split, and nothing said so."""

from __future__ import annotations

from pathlib import Path

from test_attack28_same_call_regiven import OUTER, ROOT, _inner, _llm, _span, _write

import workbench as wb

SECOND = _span(
    "00000000000000d1",
    "00000000000000b1",
    "generate_content",
    41,
    49,
    _llm("gpt-4o-mini", **{"gen_ai.completion": "again"}),
)
COLS = "SELECT step_id, parent_id, kind, output FROM steps ORDER BY step_id"


def test_a_parent_with_an_llm_child_stored_and_one_staged_is_no_pair(tmp_path: Path) -> None:
    one = wb.open()
    one.ingest(
        _write(tmp_path / "all.otlp.jsonl", [ROOT, OUTER, _inner("price 14.20"), SECOND]), progress=False
    )
    want = one.sql(COLS).fetchall()
    assert len(want) == 4
    for first, rest in (
        ([_inner("price 14.20")], [ROOT, OUTER, SECOND]),
        ([SECOND], [ROOT, OUTER, _inner("price 14.20")]),
    ):
        ws = wb.open()
        ws.ingest(_write(tmp_path / "first.otlp.jsonl", first), progress=False)
        report = ws.ingest(_write(tmp_path / "rest.otlp.jsonl", rest), progress=False)
        assert (report.stored, report.quarantined) == (3, 0)
        assert ws.sql(COLS).fetchall() == want
