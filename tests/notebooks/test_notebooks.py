"""Every notebook in notebooks/ runs top to bottom on the demo data: no error, no warning text, every
chart a JupyterChart with a spec. (That each chart is also *drawn* is checked in a browser:
tests/browser.)"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = sorted((Path(__file__).resolve().parents[2] / "notebooks").glob("*.ipynb"))
WIDGET = "application/vnd.jupyter.widget-view+json"
MIN_CHARTS = {"01_investigate_incident.ipynb": 7, "02_tune_hitl_thresholds.ipynb": 6, "03_export_policy.ipynb": 1}


def test_there_are_notebooks() -> None:
    assert [p.name for p in NOTEBOOKS] == ["01_investigate_incident.ipynb", "02_tune_hitl_thresholds.ipynb",
                                           "03_export_policy.ipynb"]


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # One demo store for the session: the first notebook fills it, the others open it (each kernel
    # is shut down, releasing the file, before the next notebook starts).
    return tmp_path_factory.mktemp("demo") / "demo.duckdb"


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs(path: Path, demo_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WORKBENCH_DB", str(demo_db))
    monkeypatch.chdir(tmp_path)
    nb = nbformat.read(path, as_version=4)
    assert all(not c.get("outputs") and c.get("execution_count") is None
               for c in nb.cells if c.cell_type == "code"), "commit notebooks with outputs stripped"
    NotebookClient(nb, timeout=900, kernel_name="python3", store_widget_state=True,
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    noise = [o.text for o in outputs if o.output_type == "stream" and o.name == "stderr"
             and "it/s]" not in o.text and "s/it]" not in o.text]   # tqdm's bar text is not clutter
    assert not noise, f"warnings or errors printed: {noise[:3]}"
    state = nb.metadata["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    charts = [m for m in state.values() if m["model_name"] == "AnyModel" and m["state"].get("spec")]
    assert len(charts) >= MIN_CHARTS[path.name], f"{path.name}: only {len(charts)} charts"
    assert not [o for o in outputs if "text/html" in o.get("data", {}) and "cdn.jsdelivr" in o["data"]["text/html"]]
    assert all(WIDGET in o.get("data", {}) or o.output_type != "display_data" or "text/html" in o.get("data", {})
               or "text/plain" in o.get("data", {}) for o in outputs)
    nbformat.write(nb, tmp_path / path.name)
