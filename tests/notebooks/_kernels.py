"""One kernel per notebook for the runs a test module makes of it, instead of a fresh kernel per run.

A kernel's start and the first cell's imports (pandas, duckdb, altair, scikit-learn: ~5 CPU s on the CI's
cores) cost more than the rest of a run of a notebook on a small store. A module that runs the same notebook
on several stores runs it in one kernel, its names cleared (``%reset -f``) and ``$WORKBENCH_DB`` and the
working directory set before each run. The kernel is kept per notebook, never shared between notebooks: what
one notebook sets for the process (pandas display options, warning filters, altair's offline mode) cannot
then stand in for a line another notebook lacks. That each notebook runs top to bottom in a fresh kernel is
checked once a test run, on the demo, by tests/browser/test_notebooks_in_lab.py (tests/notebooks/test_notebooks.py
where no browser runs); the first run of each notebook here is in a fresh kernel too.
"""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import nbformat
from _notebook_checks import NOTEBOOKS
from jupyter_client.manager import AsyncKernelManager
from jupyter_core.utils import run_sync
from nbclient import NotebookClient


class NotebookKernels:
    """The kernels of a module's notebook runs, one per notebook name; ``close()`` shuts them all down."""

    def __init__(self) -> None:
        self._kernels: dict[str, tuple[AsyncKernelManager, object]] = {}

    def execute(self, name: str, nb: nbformat.NotebookNode, db: Path, cwd: Path) -> nbformat.NotebookNode:
        """Run every cell of ``nb`` (notebook ``name``) on the store ``db``, in ``cwd``; errors are kept in the
        cells' outputs (``allow_errors``), as a fresh run with nbclient keeps them."""
        prelude = nbformat.v4.new_code_cell(
            f"%reset -f\nimport os\nos.environ['WORKBENCH_DB'] = {str(db)!r}\nos.chdir({str(cwd)!r})\ndel os")
        nb.cells.insert(0, prelude)
        km, kc = self._kernels.pop(name, (None, None))
        if km is not None and not run_sync(km.is_alive)():   # (died in an earlier run: that run failed)
            self._shut(km, kc)
            km = kc = None
        if km is None:
            km = AsyncKernelManager(kernel_name="python3")
        client = NotebookClient(nb, km=km, timeout=900, kernel_name="python3", allow_errors=True,
                                resources={"metadata": {"path": str(cwd)}})
        client.kc = kc
        try:
            client.execute()   # (not its owner, the client leaves the kernel running)
        finally:
            self._kernels[name] = (km, client.kc)
            del nb.cells[0]
        errors = [o for o in prelude.outputs if o.output_type == "error" or o.get("name") == "stderr"]
        assert not errors, f"setting up the kernel of {name}: {errors}"
        return nb

    def close(self) -> None:
        for km, kc in self._kernels.values():
            self._shut(km, kc)
        self._kernels.clear()

    @staticmethod
    def _shut(km: AsyncKernelManager, kc: object) -> None:
        if kc is not None:
            kc.stop_channels()
        if km.has_kernel:
            with contextlib.suppress(RuntimeError):   # (already gone)
                run_sync(km.shutdown_kernel)(now=True)


class NotebookRuns:
    """Each committed notebook run at most once on one store, for every module that checks that run.

    ``build(folder)`` writes the store (its path returned) into a folder of its own: each notebook runs on a fresh
    copy of it, in a folder of its own (what it writes, findings in its store and files beside it, cannot reach
    another notebook's run), the first time a test asks; later tests read the same run. A test that edits the
    notebook, or needs a store of its own, runs it itself (``NotebookKernels.execute``).
    """

    def __init__(self, kernels: NotebookKernels, tmp: Path, build: Callable[[Path], Path]) -> None:
        self.kernels, self.tmp, self._build = kernels, tmp, build
        self._store: Path | None = None
        self._runs: dict[str, Run] = {}

    @property
    def store(self) -> Path:
        """The store as built, never opened by a notebook: open it read-only to compare a run with it."""
        if self._store is None:
            folder = self.tmp / "store"
            folder.mkdir(parents=True)
            self._store = self._build(folder)
        return self._store

    def run(self, name: str) -> Run:
        """Notebook ``name`` as run on a copy of the store (every cell ran, errors kept in its outputs)."""
        if name not in self._runs:
            folder = self.tmp / name.removesuffix(".ipynb")
            folder.mkdir()
            db = folder / self.store.name
            shutil.copyfile(self.store, db)
            nb = nbformat.read(next(p for p in NOTEBOOKS if p.name == name), as_version=4)
            self._runs[name] = Run(self.kernels.execute(name, nb, db, folder), folder, db)
        return self._runs[name]


@dataclass(frozen=True)
class Run:
    """One notebook's run: the executed notebook, the folder it ran in (what it wrote) and its store."""

    nb: nbformat.NotebookNode
    folder: Path
    db: Path

    @property
    def outputs(self) -> list:
        return [o for c in self.nb.cells if c.cell_type == "code" for o in c.outputs]

    @property
    def printed(self) -> str:
        """What the cells printed (stream text), in order."""
        return "".join(o.get("text", "") for o in self.outputs)
