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
    out = subprocess.run([ruff, "check", "workbench", "tests", "bench"], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout[-3000:]
