"""The trace files one test module reads whole, read into one store in one ingest call (a file's runs found by
the file their steps came from) and detected once, when a test first asks for findings.

Why: the tests of the framework fixtures each read one small file into a store of their own (~0.15-0.3 CPU s a
call, nearly all of it the call's fixed cost) and many detected it (~0.6 CPU s a call, mostly fixed): a module of
ten such tests paid ten calls and a few detects for what one call and one detect give. A file's rows are the same
read alone or beside files naming no trace or run of its own (the readers' agreement check rests on it too:
_reader_agreement.assert_same_each), and so are its runs' findings (suiteb49, _otlp_edits.DetectedTogether).
Checked for each store here: every run's steps come from one file. Edited copies of a fixture are given trace
ids of their own (:func:`own_copy`) to be read beside it.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from _reader_agreement import readers, renamed

import workbench as wb


def own_copy(folder: Path, name: str, text: str, n: int) -> Path:
    """``text`` (an OTLP or native file's, e.g. a fixture's edited) as the file ``name`` under ``folder``, its trace
    and run ids made the ``n``-th copy's own (_reader_agreement.renamed: every other byte as written)."""
    plain = folder / f"as-written-{n}" / name
    plain.parent.mkdir(parents=True)
    plain.write_text(text)
    copies = renamed([plain], n, folder)
    assert copies, f"{name}: its ids cannot be made its own (renamed): read it alone"
    return copies[0]


class ReadTogether:
    """``paths`` and ``copies`` (files by a name the tests give them, e.g. edited copies: :func:`own_copy`) read in
    ONE ingest call (the reader ``fast`` names: True SQL, False Python, None chosen by each file's size, as a call
    of one file chooses), every record stored; findings detected once, on first use."""

    def __init__(
        self, paths: Iterable[Path], fast: bool | None = None, copies: dict[str, Path] | None = None
    ) -> None:
        self.copies = dict(copies or {})
        files = [str(Path(p).resolve()) for p in [*paths, *self.copies.values()]]
        with readers(fast):
            self.ws = wb.open()
            report = self.ws.ingest(files, progress=False)
        assert report.read == report.stored and report.quarantined == 0, report
        self._runs: dict[str, list[str]] = {f: [] for f in files}
        for run, read_from in self.ws.sql(
            "SELECT run_id, list(DISTINCT file ORDER BY file) FROM steps GROUP BY run_id ORDER BY run_id"
        ).fetchall():
            assert len(read_from) == 1, f"run {run} has steps of {read_from}: those files must be read apart"
            self._runs[read_from[0]].append(run)
        self._hits: Any = None

    def runs(self, path: Path) -> list[str]:
        """The runs of ``path`` (sorted)."""
        return self._runs[str(Path(path).resolve())]

    def run(self, path: Path) -> str:
        """The one run of ``path``."""
        (run,) = self.runs(path)
        return run

    def runs_frame(self, path: Path) -> Any:
        """``ws.runs()`` of the runs of ``path`` only (as a store of that file alone lists them)."""
        runs = self.ws.runs()
        return runs[runs.run_id.isin(self.runs(path))].reset_index(drop=True)

    def steps(self, path: Path) -> Any:
        """The steps of the one run of ``path``, in order."""
        return self.ws.steps(self.run(path)).sort_values("seq")

    def findings(self, path: Path) -> Any:
        """The findings of ``path``'s runs, as ``wb.detect`` of a store holding that file alone gives them."""
        # (a file read into no run has no findings whatever the detectors do: a test asserting none would pass)
        assert self.runs(path), f"{path}: no run was read from it"
        if self._hits is None:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                self._hits = wb.detect(self.ws, progress=False)
        return self._hits[self._hits.run_id.isin(self.runs(path))].reset_index(drop=True)

    def culprits(self, path: Path) -> list[str]:
        """The shipped log-only model's culprit of each of ``path``'s runs, asked after detect (as the tests asked
        it of a store of that file alone)."""
        self.findings(path)
        return wb.BlameModel.pretrained().predict(self.ws, self.runs(path)).agent.tolist()
