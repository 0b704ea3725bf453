"""``%workbench investigate`` says the same ``why:`` lines as ``workbench investigate`` (one formatter,
_investigate.evidence_lines), log text in them made inert the same way in text and HTML."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import workbench as wb
from workbench._magics import investigate
from workbench.cli import main

CRASH = (
    Path(__file__).resolve().parents[1]
    / "ingest"
    / "fixtures"
    / "pydantic-ai"
    / "delegation_crash.otlp.jsonl"
)
HOSTILE = "<b>503</b>\x1b[2J\u202eevil"


pytestmark = pytest.mark.usefixtures("_own_cache")  # (tests/conftest.py)


@pytest.fixture(autouse=True)
def _wide_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "400")  # the CLI wraps at the terminal's width


def _hostile_crash(tmp_path: Path) -> Path:
    # the fixture's exception message (log text: untrusted) made markup, a screen-clearing escape and a bidi override
    text = CRASH.read_text("utf-8").replace("price feed unreachable: 503", json.dumps(HOSTILE)[1:-1])
    path = tmp_path / "crash.otlp.jsonl"
    path.write_text(text, "utf-8")
    return path


def test_magic_and_cli_say_the_same_why_lines(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    trace = _hostile_crash(tmp_path)
    assert main(["investigate", str(trace), "--db", str(tmp_path / "cli.duckdb"), "--quiet"]) == 0
    cli_why = [line for line in capsys.readouterr().out.splitlines() if line.startswith("why: ")]
    assert len(cli_why) == 1 and "researcher's tool lookup_price raised" in cli_why[0]

    ws = wb.open(tmp_path / "magic.duckdb")
    ws.ingest([str(trace)], progress=False)
    found = investigate(ws, "magic.duckdb")
    text = repr(found)
    assert [line for line in text.splitlines() if line.startswith("why: ")] == cli_why
    assert "\x1b" not in text and "\u202e" not in text and "^[[2J<U+202E>evil" in text
    page = found._repr_html_()
    assert "<p>why: " in page and "&lt;b&gt;503&lt;/b&gt;^[[2J&lt;U+202E&gt;evil" in page
    assert "<b>503</b>" not in page and "\x1b" not in page and "\u202e" not in page
