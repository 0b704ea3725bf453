"""The kernels the notebook runs of this directory share: one per notebook (tests/notebooks/_kernels.py says
why that keeps every check), for every module of the directory the worker runs (xdist's scheduler hands this
directory's modules out first and together: tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from _kernels import NotebookKernels


@pytest.fixture(scope="session")
def kernels() -> Iterator[NotebookKernels]:
    pool = NotebookKernels()
    try:
        yield pool
    finally:
        pool.close()
