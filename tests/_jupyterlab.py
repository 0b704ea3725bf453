"""JupyterLab in headless Chromium for the browser tests, defined once (tests/conftest.py shares it).

Chromium is Debian's (``/usr/bin/chromium``, installed by the README's test command), driven through
Playwright's ``executable_path``; no browser is ever downloaded. When it is missing the tests skip on a
developer machine ($CI unset) and fail in CI.
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
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("WORKBENCH_CHROMIUM", "/usr/bin/chromium")
REPO = Path(__file__).resolve().parents[1]
SHOTS = Path(os.environ.get("WORKBENCH_SCREENSHOTS", REPO / "bench" / "out" / "screenshots"))
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# What a person would otherwise have to click away or scroll for: the news pop-up covers
# screenshots, and notebook windowing leaves off-screen cells unrendered.
USER_SETTINGS = {
    "@jupyterlab/apputils-extension/notification": {"fetchNews": "false", "checkForUpdates": False},
    "@jupyterlab/notebook-extension/tracker": {"windowingMode": "none"},
}


def uses_browser(item: pytest.Item) -> bool:
    return "shared_lab" in getattr(item, "fixturenames", ())


def need_chromium() -> None:
    missing = [
        what
        for what, ok in (
            (CHROMIUM, Path(CHROMIUM).exists()),
            ("the playwright package", _importable("playwright")),
        )
        if not ok
    ]
    if not missing:
        return
    if os.environ.get("CI"):
        pytest.fail(
            f"{', '.join(missing)} missing and $CI is set: the README's test command installs them "
            "(apt-get install -y chromium; pip install -e '.[test]'); browser tests never skip in CI"
        )
    pytest.skip(
        f"{', '.join(missing)} missing and $CI is unset: skipping the browser tests on this machine "
        "(install Chromium with `apt-get install -y chromium`; in CI they fail instead)"
    )


def _importable(name: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(name) is not None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Lab:
    """A running JupyterLab: its URL, the folder it serves, its log, where screenshots go."""

    url: str
    root: Path
    proc: subprocess.Popen
    log: Path
    demo_db: Path
    shots: Path = field(default=SHOTS)
    shared: SharedLab | None = None  # (its page: ``SharedLab.page``)


class SharedLab:
    """One JupyterLab server and one Chromium, each started on first use, both stopped by ``close()``.

    The server serves a fresh folder holding a copy of ``notebooks/`` (it autosaves: it must never
    write into the checkout); tests add their own files there. Its kernels run this venv's python
    with ``$WORKBENCH_DB`` pointing at one demo store for all notebooks (the first fills it, the
    next open it; they share one kernel, whose reset between two closes it: tests/browser/_lab.py).
    """

    KEY = pytest.StashKey["SharedLab"]()

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self._lab: Lab | None = None
        self._log_fh = None
        self._playwright = None
        self._browser = None
        self._page = None
        self._release: Callable[[object], None] | None = None
        self.starts = 0
        self.boots = 0

    def server(self) -> Lab:
        need_chromium()
        if self._lab is None:
            self._lab = self._start()
        return self._lab

    def browser(self) -> object:
        need_chromium()
        if self._browser is None:
            from playwright.sync_api import sync_playwright

            self._playwright = sync_playwright().start()
            self._browser = self._playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=ARGS
            )
        return self._browser

    def page(self, release: Callable[[object], None] | None = None) -> tuple[object, bool]:
        """The one JupyterLab page of every browser test (the view tests' desk, tests/browser/_lab.py, and the extension
        tests): a page's boot (JupyterLab's bundles, its extensions, the settings) costs ~5 CPU s. Returns the page and
        whether it is new (blank: the caller goes to its URL). ``release(page)`` (e.g. closing a notebook the caller
        keeps open in it) is run when the next caller takes the page, so that each finds it as a person left it, and
        never when none does. A caller adds its own listeners (``dismiss`` its dialogs) and removes them."""
        release_before, self._release = self._release, release
        if release_before is not None and release_before != release and not self._page.is_closed():
            release_before(self._page)
        if self._page is None or self._page.is_closed():
            self._page = self.browser().new_page(viewport={"width": 1400, "height": 1800})
            self.boots += 1
            return self._page, True
        return self._page, False

    def _start(self) -> Lab:
        self.starts += 1
        tmp = self.tmp / f"server{self.starts}"
        root = tmp / "files"
        root.mkdir(parents=True)
        for nb in sorted((REPO / "notebooks").glob("*.ipynb")):
            shutil.copy(nb, root / nb.name)
        settings = tmp / "user-settings"
        for plugin, values in USER_SETTINGS.items():
            target = settings / f"{plugin}.jupyterlab-settings"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(json.dumps(values))
        # JUPYTER_DATA_DIR moves the user data dir only: the workbench extension is still found in sys.prefix.
        env = {
            **os.environ,
            "JUPYTER_CONFIG_DIR": str(tmp / "config"),
            "JUPYTER_DATA_DIR": str(tmp / "data"),
            "JUPYTER_RUNTIME_DIR": str(tmp / "runtime"),
            "JUPYTERLAB_SETTINGS_DIR": str(settings),
            "JUPYTERLAB_WORKSPACES_DIR": str(tmp / "workspaces"),
            "PYTHONWARNINGS": "ignore::DeprecationWarning",
            "WORKBENCH_DB": str(tmp / "demo.duckdb"),
            # a cache of its own: the first kernel builds Vega's bundle, every later one reads it back
            "WORKBENCH_CACHE_DIR": str(tmp / "cache"),
        }
        # The kernel must be this venv's python: JUPYTER_DATA_DIR moved, so point the kernelspec here.
        spec = tmp / "data" / "kernels" / "python3"
        spec.mkdir(parents=True)
        (spec / "kernel.json").write_text(
            json.dumps(
                {
                    "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                    "display_name": "Python 3 (ipykernel)",
                    "language": "python",
                }
            )
        )
        port = _free_port()
        log = tmp / "jupyter.log"
        self._log_fh = log.open("wb")
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "jupyter",
                "lab",
                "--no-browser",
                "--ip",
                "127.0.0.1",
                "--port",
                str(port),
                "--ServerApp.token=",
                "--ServerApp.password=",
                "--allow-root",
                # loopback and test-only: lets the tests shut kernels down by REST
                "--ServerApp.disable_check_xsrf=True",
                "--ServerApp.root_dir",
                str(root),
            ],
            env=env,
            stdout=self._log_fh,
            stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(f"{url}/api/status", timeout=2).read()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    self._stop_server(proc)
                    raise RuntimeError(f"JupyterLab did not start:\n{log.read_text()[-3000:]}") from None
                time.sleep(0.3)
        SHOTS.mkdir(parents=True, exist_ok=True)
        print(f"\nJupyterLab at {url} (root {root}); screenshots in {SHOTS}")
        return Lab(url=url, root=root, proc=proc, log=log, demo_db=tmp / "demo.duckdb", shared=self)

    def _stop_server(self, proc: subprocess.Popen) -> None:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if self._log_fh is not None:
            self._log_fh.close()
            self._log_fh = None

    def close(self) -> None:
        """Stop Chromium and the server (each only if it was started)."""
        self._page = self._release = None
        if self._browser is not None:
            try:
                self._browser.close()
            finally:
                self._playwright.stop()
                self._browser = self._playwright = None
        if self._lab is not None:
            self._stop_server(self._lab.proc)
            self._lab = None


def dismiss(dialog) -> None:  # noqa: ANN001
    """Dismiss a dialog the page opened (an ``alert`` log text ran), once: the shared page's holders each listen,
    and Playwright refuses a second dismissal."""
    try:
        dialog.dismiss()
    except Exception:  # noqa: BLE001 - another listener of the page dismissed it first
        pass


# No notebook left in the page, or a dialog asking about one (its run changed it: discard?)
_CLOSED_OR_ASKED = (
    "() => !document.querySelector('.jp-NotebookPanel') || !!document.querySelector('.jp-Dialog')"
)


def close_all_tabs(page, timeout: float = 60) -> None:  # noqa: ANN001
    """File > Close All Tabs, discarding what their runs changed: the shared page left with no notebook (whose
    kernel a test may stop next) for the next test."""
    page.keyboard.press("Escape")  # a menu or tooltip a test left open
    page.click(".lm-MenuBar-itemLabel:text-is('File')")
    page.click(".lm-Menu-itemLabel:text-is('Close All Tabs')")
    deadline = time.monotonic() + timeout
    while page.evaluate("() => !!document.querySelector('.jp-NotebookPanel')"):
        if time.monotonic() > deadline:
            raise AssertionError(f"notebooks still open {timeout:.0f} s after File > Close All Tabs")
        page.wait_for_function(_CLOSED_OR_ASKED, timeout=max(deadline - time.monotonic(), 0.1) * 1000)
        discard = page.locator(".jp-Dialog .jp-Dialog-button:has-text('Discard')")
        if discard.count():
            button = discard.first.element_handle()
            button.click()
            button.wait_for_element_state("hidden", timeout=max(deadline - time.monotonic(), 0.1) * 1000)
