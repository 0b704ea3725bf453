"""Every notebook in notebooks/ is committed stripped and runs top to bottom on the demo data: no error,
no warning text, every chart a JupyterChart with a spec.

Each notebook is executed once per test run: where the browser tests can run (Chromium and Playwright
present; always in CI) they execute it in JupyterLab and apply these same checks to the copy the page
saved, besides checking that every chart is drawn; elsewhere it is executed here, headless.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from _jupyterlab import CHROMIUM, _importable
from _notebook_checks import MIN_CHARTS, NOTEBOOKS, check_executed, check_stripped
from nbclient import NotebookClient


def test_there_are_notebooks() -> None:
    assert [p.name for p in NOTEBOOKS] == ["01_investigate_incident.ipynb", "02_tune_hitl_thresholds.ipynb",
                                           "03_export_policy.ipynb"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_with_outputs_stripped(path: Path) -> None:
    check_stripped(path)


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # One demo store for the session: the first notebook fills it, the others open it (each kernel
    # is shut down, releasing the file, before the next notebook starts).
    return tmp_path_factory.mktemp("demo") / "demo.duckdb"


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs(path: Path, demo_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if Path(CHROMIUM).exists() and _importable("playwright"):
        pytest.skip("executed once, in JupyterLab, by tests/browser (same checks on the saved copy)")
    monkeypatch.setenv("WORKBENCH_DB", str(demo_db))
    monkeypatch.chdir(tmp_path)
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=900, kernel_name="python3", store_widget_state=True,
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    check_executed(nb)
    state = nb.metadata["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    charts = [m for m in state.values() if m["model_name"] == "AnyModel" and m["state"].get("spec")]
    assert len(charts) >= MIN_CHARTS[path.name], f"{path.name}: only {len(charts)} charts"
