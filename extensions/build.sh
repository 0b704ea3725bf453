#!/usr/bin/env bash
# Build the JupyterLab extension into workbench/labextension/, which ships inside the Python package
# (pyproject.toml installs it to share/jupyter/labextensions/workbench-jupyterlab/ as data files).
#
# Needs Node.js >= 18 and the `jupyterlab` Python package (for jlpm and jupyter-builder) on PATH;
# users never run this: the built files are committed. Run it after changing anything under
# extensions/workbench-jupyterlab/, then commit workbench/labextension/ with the sources.
# tests/extension/test_build.py fails when the committed build is older than the sources.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
src="$here/workbench-jupyterlab"
out="$here/../workbench/labextension"

command -v node >/dev/null || { echo "build.sh: Node.js is needed to build the extension" >&2; exit 1; }
command -v jlpm >/dev/null || { echo "build.sh: jlpm not found: activate the venv with jupyterlab" >&2; exit 1; }

cd "$src"
jlpm install --immutable
rm -rf lib tsconfig.tsbuildinfo "$out"
jlpm build
cat > "$out/install.json" <<'JSON'
{
  "packageManager": "python",
  "packageName": "workbench",
  "uninstallInstructions": "Use your Python package manager (pip, conda, etc.) to uninstall the package workbench"
}
JSON
python3 "$here/source_hash.py" --write "$out/build_info.json"
du -sh "$out"
