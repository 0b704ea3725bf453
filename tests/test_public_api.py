"""The public surface: what `import workbench` offers, and that the code stays ruff clean."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import workbench as wb

ROOT = Path(__file__).resolve().parents[1]


def test_all_is_sorted_and_importable() -> None:
    names = [n for n in wb.__all__ if n != "__version__"]
    assert names == sorted(names, key=lambda n: (n[0].islower(), n))
    for name in wb.__all__:
        assert hasattr(wb, name), name


def test_design_api_names_exist() -> None:
    for name in ("open", "sim", "shapley", "attribute", "detect", "Workspace", "IngestReport"):
        assert hasattr(wb, name)
    ws = wb.open()
    for method in ("runs", "steps", "sql", "ingest", "label", "export"):
        assert callable(getattr(ws, method))
    assert callable(wb.sim.procurement)


def test_ruff_is_clean() -> None:
    ruff = shutil.which("ruff") or str(Path(sys.executable).parent / "ruff")
    out = subprocess.run(
        [ruff, "check", "workbench", "tests", "bench"], cwd=ROOT, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stdout[-3000:]


def test_import_is_lazy() -> None:
    """`import workbench` (and the CLI's parser) load none of the heavy dependencies."""
    heavy = ("duckdb", "pandas", "numpy", "scipy", "sklearn", "ipywidgets", "altair")
    code = (
        "import sys, workbench, workbench.exceptions, workbench.cli; workbench.cli.build_parser(); "
        f"print(','.join(m for m in {heavy!r} if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
    for name in wb.__all__:
        assert name in dir(wb)


def test_lazy_names_resolve_to_their_modules() -> None:
    from workbench.replay import Intervention
    from workbench.workspace import open as wb_open

    assert wb.open is wb_open
    assert wb.Intervention is Intervention
    assert wb.sim.__name__ == "workbench.sim"
    try:
        wb.no_such_name  # noqa: B018
    except AttributeError as exc:
        assert "no_such_name" in str(exc)
    else:
        raise AssertionError("unknown attribute did not raise")


def test_all_matches_the_lazy_table() -> None:
    assert set(wb.__all__) == set(wb._LAZY) | {"__version__"}


def test_detect_stays_the_function_after_the_subpackage_is_imported() -> None:
    import workbench.detect  # noqa: F401 - importing the subpackage must not shadow wb.detect
    from workbench.detect import detect

    assert wb.detect is detect and callable(wb.detect)


def test_widgets_are_exported() -> None:
    from workbench.widgets import IncidentExplorer, ThresholdTuner

    assert wb.IncidentExplorer is IncidentExplorer and wb.ThresholdTuner is ThresholdTuner
    assert wb.plots.__name__ == "workbench.plots"
