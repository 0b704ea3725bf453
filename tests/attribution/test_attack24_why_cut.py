"""The why: sentence of a log-only verdict (attribution/_evidence.py) is built from log values: an agent or tool
name may be as long as the ingest's field limit (4 MiB). Before attack24 the sentence held them whole: a
100,000-character agent name gave a stored why of 200 kB and a 100,000-character line in `workbench investigate`
(a 3 MB name: one 3 MB line)."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pytest

import workbench as wb
from workbench._investigate import attribute_failed
from workbench.cli import main
from workbench.detect import detect

CRASH = (
    Path(__file__).resolve().parents[1]
    / "ingest"
    / "fixtures"
    / "pydantic-ai"
    / "delegation_crash.otlp.jsonl"
)
LONG = "researcher\x1b]0;pwn\x07\u202e\nwhy: FAKE" + "A" * 100_000
TOOL = "lookup_price" + "B" * 100_000


pytestmark = pytest.mark.usefixtures("_own_cache")  # (tests/conftest.py)


def _renamed(o: object) -> object:
    if isinstance(o, dict):
        return {k: _renamed(v) for k, v in o.items()}
    if isinstance(o, list):
        return [_renamed(v) for v in o]
    return o.replace("researcher", LONG).replace("lookup_price", TOOL) if isinstance(o, str) else o


@pytest.fixture
def log(tmp_path: Path) -> Path:
    path = tmp_path / "long_names.otlp.jsonl"
    path.write_text(
        "\n".join(json.dumps(_renamed(json.loads(line))) for line in CRASH.read_text().splitlines()) + "\n"
    )
    return path


def test_attack24_stored_why_is_cut(log: Path) -> None:
    ws = wb.open()
    ws.ingest([str(log)], progress=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        detect(ws, progress=False)
    attribute_failed(ws, None, "logonly")
    (params,) = [
        json.loads(p)
        for (p,) in ws.sql(
            "SELECT params FROM attributions WHERE unit = 'verdict' AND method = 'blame_model'"
        ).fetchall()
    ]
    assert params["evidence"] == "error"
    assert len(params["why"]) < 600, len(params["why"])  # old code: 200,113 characters
    assert params["why"].startswith("researcher") and 'raised "price feed unreachable: 503"' in params["why"]


def test_attack24_investigate_why_line_is_cut(
    log: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "120")
    assert main(["investigate", str(log), "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "why: " in out
    assert max(len(line) for line in out.splitlines()) <= 120  # old code: a 100,014-character line
    assert "\x1b" not in out and "\u202e" not in out and "\x07" not in out
