"""An AutoGen tool span is a hand-off only when described exactly as autogen-agentchat describes one
(``Handoff to <target>.``, the target an agent's name, a Python identifier): a developer's own tool described
"Handoff to a human operator when the customer is angry." was a hand-off step to an agent of that name, by both
readers, and a description holding markup named an agent '<b>writer</b>'."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_reader24_agreement import readers

import workbench as wb

AUTOGEN = Path(__file__).parent / "fixtures" / "autogen" / "swarm_handoffs.otlp.jsonl"


@pytest.mark.parametrize("fast", [True, False], ids=["sql", "python"])
def test_a_tool_only_described_like_a_hand_off_is_a_tool(tmp_path: Path, fast: bool) -> None:
    text = AUTOGEN.read_text(encoding="utf-8")
    assert text.count("Handoff to researcher.") == 1 and text.count("Handoff to writer.") == 1
    path = tmp_path / "lookalike.otlp.jsonl"
    path.write_text(
        text.replace(
            "Handoff to researcher.", "Handoff to a human operator when the customer is angry."
        ).replace("Handoff to writer.", "Handoff to <b>writer</b>."),
        encoding="utf-8",
    )
    with readers(fast):
        ws = wb.open()
        ws.ingest(path, progress=False)
    steps = ws.sql(
        "SELECT kind, tool, output FROM steps WHERE kind IN ('handoff', 'tool') ORDER BY seq"
    ).fetchall()
    assert [(k, t) for k, t, _ in steps] == [
        ("tool", "transfer_to_researcher"),
        ("tool", "get_price"),
        ("tool", "transfer_to_writer"),
        ("tool", "format_quote"),
    ]
    agents = {a for (a,) in ws.sql("SELECT DISTINCT agent FROM steps WHERE agent IS NOT NULL").fetchall()}
    assert not {a for a in agents if " " in a or "<" in a}


def test_the_default_description_is_still_a_hand_off(tmp_path: Path) -> None:
    ws = wb.open()
    ws.ingest(AUTOGEN, progress=False)
    assert ws.sql("SELECT output FROM steps WHERE kind = 'handoff' ORDER BY seq").fetchall() == [
        ("researcher",),
        ("writer",),
    ]
