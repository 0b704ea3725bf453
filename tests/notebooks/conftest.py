"""The kernels the notebook runs of this directory share: one per notebook (tests/notebooks/_kernels.py says
why that keeps every check), for every module of the directory (xdist's scheduler hands the whole directory to
one worker, as one unit: tests/conftest.py). And the runs several modules check: each notebook run once on the
real framework traces (``real_traces``), not once per module that looks at it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from _kernels import NotebookKernels, NotebookRuns

import workbench as wb

FIXTURES = Path(__file__).resolve().parents[1] / "ingest" / "fixtures" / "langfuse"
# A Google ADK trace and a Langfuse export of LangGraph and OpenAI Agents runs: three systems, no known outcome,
# no failed run (ux42, ux43)
REAL_TRACES = [str(FIXTURES / "google-adk-fixture.trace.json"), str(FIXTURES / "traces.jsonl")]


@pytest.fixture(scope="session")
def kernels() -> Iterator[NotebookKernels]:
    pool = NotebookKernels()
    try:
        yield pool
    finally:
        pool.close()


def _real_traces_store(folder: Path) -> Path:
    db = folder / "real.duckdb"
    with wb.open(db) as ws:
        ws.ingest(REAL_TRACES, progress=False)
        assert set(ws.runs().outcome) == {"unknown"} and ws.runs().system.nunique() == 3
    return db


@pytest.fixture(scope="session")
def real_traces(kernels: NotebookKernels, tmp_path_factory: pytest.TempPathFactory) -> NotebookRuns:
    """Notebooks 01-03 on the real traces' store, each run once: ``real_traces.run(name)``; ``.store``."""
    return NotebookRuns(kernels, tmp_path_factory.mktemp("real_traces"), _real_traces_store)
