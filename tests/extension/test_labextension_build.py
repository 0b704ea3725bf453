"""The JupyterLab extension ships prebuilt: the committed build matches its sources and is installed."""

from __future__ import annotations

import filecmp
import importlib.util
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BUILT = ROOT / "workbench" / "labextension"
SOURCE = ROOT / "extensions" / "workbench-jupyterlab"
NAME = "workbench-jupyterlab"


def _source_hash_module():  # noqa: ANN202
    spec = importlib.util.spec_from_file_location("source_hash", ROOT / "extensions" / "source_hash.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_committed_build_matches_the_sources() -> None:
    info = json.loads((BUILT / "build_info.json").read_text())
    module = _source_hash_module()
    assert info["sources"] == [p.relative_to(SOURCE).as_posix() for p in module.source_files()]
    assert info["sources_sha256"] == module.source_hash(), (
        "extensions/workbench-jupyterlab changed since workbench/labextension was built: "
        "run extensions/build.sh and commit workbench/labextension/"
    )


def test_built_package_is_the_source_package() -> None:
    src = json.loads((SOURCE / "package.json").read_text())
    built = json.loads((BUILT / "package.json").read_text())
    build = built["jupyterlab"].pop("_build")
    assert built == src
    assert built["name"] == NAME
    entry = BUILT / build["load"]
    assert entry.is_file() and entry.stat().st_size > 0
    static = sorted(p.name for p in (BUILT / "static").iterdir())
    # One entry point, and every chunk it loads is there (no stale or missing files).
    assert [n for n in static if n.startswith("remoteEntry.")] == [entry.name]
    chunks = {f"{cid}.{h}.js" for cid, h in re.findall(r'(\d+):"([0-9a-f]{8,})"', entry.read_text())}
    assert chunks and chunks <= set(static)
    install = json.loads((BUILT / "install.json").read_text())
    assert install["packageName"] == "workbench"


def test_installed_into_jupyter_and_enabled() -> None:
    installed = Path(sys.prefix) / "share" / "jupyter" / "labextensions" / NAME
    assert installed.is_dir(), f"{installed} is missing: install the package (pip install -e .)"
    cmp = filecmp.dircmp(BUILT, installed)
    assert not cmp.left_only and not cmp.right_only and not cmp.diff_files, (
        "the installed extension differs from workbench/labextension: reinstall (pip install -e .)"
    )
    static = filecmp.dircmp(BUILT / "static", installed / "static")
    assert not static.left_only and not static.right_only and not static.diff_files
    jupyter = shutil.which("jupyter", path=str(Path(sys.executable).parent)) or shutil.which("jupyter")
    out = subprocess.run([jupyter, "labextension", "list"], capture_output=True, text=True, timeout=120)
    text = re.sub(r"\x1b\[[0-9;]*m", "", out.stdout + out.stderr)
    line = next((ln for ln in text.splitlines() if NAME in ln), "")
    assert re.search(rf"{NAME} v0\.1\.0 enabled\s+OK \(python, workbench\)", line), text
