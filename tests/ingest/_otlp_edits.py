"""What the tests of checked-in real framework traces share: a fixture ingested whole through one OTLP reader, and
a copy of a fixture with an edit applied to each of its spans (real29, real30, real31)."""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from test_reader24_agreement import readers

import workbench as wb
from workbench._investigate import attribute_failed


def ingested_whole(path: Path, fast: bool | None = None) -> wb.Workspace:
    """A workspace holding ``path``, read by the fast (``True``), Python (``False``) or chosen reader, every
    record stored."""
    with readers(fast):
        ws = wb.open()
        report = ws.ingest(path, progress=False)
    assert report.read == report.stored and report.quarantined == 0
    return ws


def run_steps(path: Path, fast: bool | None = None) -> tuple[wb.Workspace, Any]:
    """:func:`ingested_whole` of a one-run file, and that run's steps in order."""
    ws = ingested_whole(path, fast)
    return ws, ws.steps(ws.runs().run_id[0]).sort_values("seq")


class DetectedTogether:
    """Checked-in fixtures read in one call into one store (the chosen reader, every record stored) and detected
    once: a file's runs and their findings. A run's findings come from its own steps (suiteb49 found each
    file's, and the pretrained model's verdict on it, the same as in a store of its own), so a module whose tests
    look at several files' findings pays one ``detect`` (~0.4 s a call, mostly fixed cost) instead of one a file;
    each test still reads its file into a store of its own for what it asserts of the read."""

    def __init__(self, paths: list[Path], fast: bool | None = None) -> None:
        with readers(fast):  # (True: the SQL reader, False: the Python one, None: the chosen one)
            self.ws = wb.open()
            report = self.ws.ingest([str(p.resolve()) for p in paths], progress=False)
        assert report.read == report.stored and report.quarantined == 0, report
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            self._hits = wb.detect(self.ws, progress=False)
        self._runs = {
            p: [
                r
                for (r,) in self.ws.sql(
                    "SELECT DISTINCT run_id FROM steps WHERE file = ? ORDER BY 1", [str(p.resolve())]
                ).fetchall()
            ]
            for p in paths
        }

    def runs(self, path: Path) -> list[str]:
        return self._runs[path]

    def run(self, path: Path) -> str:
        (run,) = self._runs[path]
        return run

    def findings(self, path: Path) -> Any:
        """The findings of ``path``'s runs, as ``wb.detect`` of a store holding that file alone returns them."""
        return self._hits[self._hits["run_id"].isin(self._runs[path])].reset_index(drop=True)

    def predicted(self, path: Path, run_ids: list[str] | None = None) -> Any:
        """The shipped log-only model's verdicts on ``path``'s runs (detected, as the tests asked it before)."""
        return wb.BlameModel.pretrained().predict(self.ws, run_ids or self._runs[path])

    def culprits(self, path: Path) -> list[str]:
        return self.predicted(path).agent.tolist()


def silent_criticals(ws: wb.Workspace) -> list[tuple[str, str]]:
    """(agent, step_id) of each critical silent_failure finding of ``ws``."""
    found = wb.detect(ws, progress=False).query("severity == 'critical' and detector == 'silent_failure'")
    return list(zip(found.agent, found.step_id, strict=True))


def export_spans(doc: dict) -> Iterator[dict]:
    """Each span of one OTLP export document (resourceSpans > scopeSpans > spans), to edit in place."""
    for rs in doc["resourceSpans"]:
        for ss in rs["scopeSpans"]:
            yield from ss["spans"]


def edited_text(source: Path, edit: Callable[[dict], None]) -> str:
    """``source`` (one OTLP export a line) with ``edit`` applied to each span."""
    lines = []
    for line in source.read_text().splitlines():
        doc = json.loads(line)
        for span in export_spans(doc):
            edit(span)
        lines.append(json.dumps(doc))
    return "\n".join(lines) + "\n"


def edited_copy(tmp_path: Path, edit: Callable[[dict], None], source: Path) -> Path:
    """``source`` with ``edit`` applied to each span (one OTLP export a line, as written)."""
    path = tmp_path / source.name
    path.write_text(edited_text(source, edit))
    return path


def string_attr(span: dict, key: str) -> str | None:
    return next((a["value"].get("stringValue") for a in span["attributes"] if a["key"] == key), None)


def logonly_verdicts(path: Path) -> tuple[wb.Workspace, list[tuple[str, float, dict]]]:
    """A workspace holding ``path`` with its findings and the log-only verdicts ``investigate`` gives its failed
    runs: (culprit, confidence, params) each. (Run with a cache of the test's own: the fitted model is cached.)"""
    ws = wb.open()
    ws.ingest([path], progress=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        wb.detect(ws, progress=False)
    attribute_failed(ws, None, "logonly")
    rows = ws.sql(
        "SELECT target, value, params FROM attributions WHERE unit = 'verdict' AND method = 'blame_model'"
    ).fetchall()
    return ws, [(target, value, json.loads(params)) for target, value, params in rows]
