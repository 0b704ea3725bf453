"""JupyterLab in headless Chromium: one server for the whole browser session, started here.

Chromium is Debian's (``/usr/bin/chromium``, installed by the README's test command), driven
through Playwright's ``executable_path``; no browser is ever downloaded. When it is missing the
tests skip on a developer machine ($CI unset) and fail in CI.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("WORKBENCH_CHROMIUM", "/usr/bin/chromium")
REPO = Path(__file__).resolve().parents[2]
SHOTS = Path(os.environ.get("WORKBENCH_SCREENSHOTS", REPO / "bench" / "out" / "screenshots"))
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]

# What a person would otherwise have to click away or scroll for: the news pop-up covers
# screenshots, and notebook windowing leaves off-screen cells unrendered.
USER_SETTINGS = {
    "@jupyterlab/apputils-extension/notification": {"fetchNews": "false", "checkForUpdates": False},
    "@jupyterlab/notebook-extension/tracker": {"windowingMode": "none"},
}


def _need_chromium() -> None:
    if Path(CHROMIUM).exists():
        return
    if os.environ.get("CI"):
        pytest.fail(f"{CHROMIUM} is missing and $CI is set: the README's test command installs it "
                    "(apt-get install -y chromium); browser tests never skip in CI")
    pytest.skip(f"{CHROMIUM} is missing and $CI is unset: skipping the browser tests on this machine "
                "(install it with `apt-get install -y chromium`; in CI they fail instead)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Lab:
    url: str
    root: Path
    proc: subprocess.Popen
    log: Path
    shots: Path = field(default=SHOTS)


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    _need_chromium()
    tmp = tmp_path_factory.mktemp("lab")
    root = tmp / "notebooks"
    root.mkdir()
    for nb in sorted((REPO / "notebooks").glob("*.ipynb")):
        shutil.copy(nb, root / nb.name)  # the server autosaves: never let it write into the checkout
    settings = tmp / "user-settings"
    for plugin, values in USER_SETTINGS.items():
        target = settings / f"{plugin}.jupyterlab-settings"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(values))
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(tmp / "config"), "JUPYTER_DATA_DIR": str(tmp / "data"),
           "JUPYTER_RUNTIME_DIR": str(tmp / "runtime"), "JUPYTERLAB_SETTINGS_DIR": str(settings),
           "JUPYTERLAB_WORKSPACES_DIR": str(tmp / "workspaces"), "PYTHONWARNINGS": "ignore::DeprecationWarning"}
    # One demo store for all notebooks: the first fills it, the others open it (the test shuts each
    # notebook's kernel down, releasing DuckDB's write lock, before opening the next).
    env["WORKBENCH_DB"] = str(tmp / "demo.duckdb")
    # The kernel must be this venv's python: JUPYTER_DATA_DIR moved, so point the kernelspec here.
    spec = tmp / "data" / "kernels" / "python3"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (ipykernel)", "language": "python"}))
    port = _free_port()
    log = tmp / "jupyter.log"
    log_fh = log.open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--ip", "127.0.0.1", "--port", str(port),
         "--ServerApp.token=", "--ServerApp.password=", "--allow-root",
         # loopback and test-only: lets the test shut kernels down by REST
         "--ServerApp.disable_check_xsrf=True", "--ServerApp.root_dir", str(root)],
        env=env, stdout=log_fh, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                urllib.request.urlopen(f"{url}/api/status", timeout=2).read()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"JupyterLab did not start:\n{log.read_text()[-3000:]}") from None
                time.sleep(0.3)
        SHOTS.mkdir(parents=True, exist_ok=True)
        print(f"\nJupyterLab at {url} (root {root}); screenshots in {SHOTS}")
        yield Lab(url=url, root=root, proc=proc, log=log)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log_fh.close()


# module scope: one sync Playwright per thread at a time, and tests/extension starts its own
@pytest.fixture(scope="module")
def browser(lab: Lab) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            yield b
        finally:
            b.close()
