"""The JupyterLab extension in a real JupyterLab, driven in headless Chromium as a person would use it.

A workspace from the demo is double-clicked in the file browser, an OTLP file written with the real
OpenTelemetry SDK is opened with "Open With -> Workbench", and the demo starts from the Launcher; each
time a notebook opens beside the file with the IncidentExplorer on it. Screenshots are saved to
``bench/out/screenshots/`` (or ``$WORKBENCH_SCREENSHOTS``).

Chromium is Debian's ``/usr/bin/chromium`` through Playwright's ``executable_path`` (no downloaded
browser). Without it the tests skip on a developer machine and fail in CI (``$CI`` set).
"""

from __future__ import annotations

import json
import os
import re
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
from _traces import write_otlp

CHROMIUM = os.environ.get("WORKBENCH_CHROMIUM", "/usr/bin/chromium")
REPO = Path(__file__).resolve().parents[2]
SHOTS = Path(os.environ.get("WORKBENCH_SCREENSHOTS", REPO / "bench" / "out" / "screenshots"))
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
USER_SETTINGS = {
    "@jupyterlab/apputils-extension/notification": {"fetchNews": "false", "checkForUpdates": False},
    "@jupyterlab/notebook-extension/tracker": {"windowingMode": "none"},
}
OTLP_TRACES, OTLP_FAILING = 8, {1, 2, 6}
VISIBLE = ".jp-NotebookPanel:not(.lm-mod-hidden)"
# A run's kernel start, `import workbench` and the first queries take a while on a busy 2-core machine.
SLOW_MS = 240_000

pytestmark = pytest.mark.slow


def _need_browser() -> None:
    missing = [what for what, ok in (
        (CHROMIUM, Path(CHROMIUM).exists()),
        ("the playwright package", shutil.which("playwright", path=str(Path(sys.executable).parent)) is not None
         or _importable("playwright")),
    ) if not ok]
    if not missing:
        return
    if os.environ.get("CI"):
        pytest.fail(f"{', '.join(missing)} missing and $CI is set: browser tests never skip in CI "
                    "(apt-get install -y chromium; pip install -e '.[test]')")
    pytest.skip(f"{', '.join(missing)} missing ($CI unset): skipping the browser tests on this machine")


def _importable(name: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(name) is not None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Lab:
    url: str
    root: Path
    log: Path
    console: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    _need_browser()
    import workbench as wb

    tmp = tmp_path_factory.mktemp("extlab")
    root = tmp / "files"
    (root / "demo").mkdir(parents=True)
    (root / "traces").mkdir()
    # The demo's workspace, as `workbench lab` writes it (the embedded demo data, 2,000 runs).
    wb.demo.open_demo(str(root / "demo" / "demo.duckdb")).close()
    shutil.copy(root / "demo" / "demo.duckdb", root / "workbench-demo.duckdb")
    write_otlp(root / "traces" / "shop.otlp.jsonl", n_traces=OTLP_TRACES, failing=OTLP_FAILING)
    settings = tmp / "user-settings"
    for plugin, values in USER_SETTINGS.items():
        target = settings / f"{plugin}.jupyterlab-settings"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(values))
    # JUPYTER_DATA_DIR moves the user data dir only: the extension is still found in sys.prefix.
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(tmp / "config"), "JUPYTER_DATA_DIR": str(tmp / "data"),
           "JUPYTER_RUNTIME_DIR": str(tmp / "runtime"), "JUPYTERLAB_SETTINGS_DIR": str(settings),
           "JUPYTERLAB_WORKSPACES_DIR": str(tmp / "workspaces"), "PYTHONWARNINGS": "ignore::DeprecationWarning"}
    env.pop("WORKBENCH_DB", None)
    spec = tmp / "data" / "kernels" / "python3"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (ipykernel)", "language": "python"}))
    port = _free_port()
    log = tmp / "jupyter.log"
    with log.open("wb") as log_fh:
        proc = subprocess.Popen(
            [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--ip", "127.0.0.1", "--port", str(port),
             "--ServerApp.token=", "--ServerApp.password=", "--allow-root", "--ServerApp.root_dir", str(root)],
            env=env, stdout=log_fh, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 120
            while True:
                try:
                    urllib.request.urlopen(f"{url}/api/status", timeout=2).read()
                    break
                except OSError:
                    if proc.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError(f"JupyterLab did not start:\n{log.read_text()[-3000:]}") from None
                    time.sleep(0.3)
            SHOTS.mkdir(parents=True, exist_ok=True)
            yield Lab(url=url, root=root, log=log)
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@pytest.fixture(scope="module")
def page(lab: Lab) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            pg = browser.new_page(viewport={"width": 1500, "height": 1100})
            pg.on("console", lambda m: lab.console.append(f"{m.type}: {m.text}") if m.type == "error" else None)
            pg.on("pageerror", lambda e: lab.console.append(f"pageerror: {e}"))
            pg.on("dialog", lambda d: (lab.console.append(f"dialog: {d.message}"), d.dismiss()))
            pg.goto(f"{lab.url}/lab?reset")
            pg.locator(".jp-DirListing-item").first.wait_for(timeout=SLOW_MS)
            yield pg
        finally:
            browser.close()


def _item(page: object, name: str) -> object:
    text = page.locator(".jp-DirListing-itemText").get_by_text(name, exact=True)
    return page.locator(".jp-DirListing-item").filter(has=text)


def _open_folder(page: object, name: str) -> None:
    page.locator(".jp-BreadCrumbs-home").click()
    _item(page, name).dblclick()
    page.locator(".jp-BreadCrumbs").get_by_text(name).wait_for()


def _wait_for_notebook(page: object, name: str) -> object:
    """The notebook tab the extension opened, once its cells have run; returns the visible panel."""
    label = page.locator(".lm-TabBar-tabLabel").get_by_text(name, exact=True)
    page.locator(".lm-TabBar-tab.lm-mod-current").filter(has=label).wait_for(timeout=SLOW_MS)
    panel = page.locator(VISIBLE)
    # The summary is the first code cell's result; the explorer is the second's.
    panel.locator(".wb-workspace").wait_for(timeout=SLOW_MS)
    panel.locator(".jp-Cell").nth(2).locator(".jp-OutputArea-output").first.wait_for(timeout=SLOW_MS)
    # Both code cells done: execution counts set, no cell still busy.
    page.wait_for_function(
        """sel => {
            const p = document.querySelector(sel);  // null while the opener's placeholder is in front
            if (!p) { return false; }
            const prompts = [...p.querySelectorAll('.jp-CodeCell .jp-InputPrompt')].map(e => e.textContent);
            return prompts.length === 2 && prompts.every(t => /\\[\\d+\\]/.test(t));
        }""", arg=VISIBLE, timeout=SLOW_MS)
    return panel


def _no_errors(panel: object, lab: Lab) -> None:
    errors = panel.locator('[data-mime-type="application/vnd.jupyter.stderr"], .jp-OutputArea-output.jp-mod-error,'
                           ' [data-mime-type="application/vnd.jupyter.error"]')
    assert errors.count() == 0, errors.first.inner_text()
    assert lab.console == [], lab.console


def _runs_in_summary(panel: object) -> int:
    return int(panel.locator(".wb-workspace .wb-runs").get_attribute("data-runs"))


def _explorer_runs(panel: object) -> str:
    """The explorer's run count ("page 1 of 167 · 2,000 runs"), once its run list and timeline are drawn."""
    explorer = panel.locator(".wb-incident-explorer")
    explorer.wait_for(timeout=SLOW_MS)
    explorer.locator("select option").first.wait_for(state="attached", timeout=SLOW_MS)
    explorer.locator("canvas, .vega-embed svg").first.wait_for(timeout=SLOW_MS)
    label = explorer.get_by_text(re.compile(r"page 1 of \d+ · [\d,]+ runs"))
    return re.search(r"· ([\d,]+) runs", label.inner_text()).group(1)


def test_double_click_a_demo_workspace(lab: Lab, page: object) -> None:
    _open_folder(page, "demo")
    _item(page, "demo.duckdb").dblclick()
    panel = _wait_for_notebook(page, "demo.duckdb.ipynb")
    assert (lab.root / "demo" / "demo.duckdb.ipynb").is_file()
    assert _runs_in_summary(panel) == 2000
    assert _explorer_runs(panel) == "2,000"
    page.screenshot(path=str(SHOTS / "extension_duckdb.png"))
    panel.locator(".wb-incident-explorer").screenshot(path=str(SHOTS / "extension_duckdb_explorer.png"))
    _no_errors(panel, lab)


def test_open_with_workbench_on_an_otlp_file(lab: Lab, page: object) -> None:
    _open_folder(page, "traces")
    _item(page, "shop.otlp.jsonl").click(button="right")
    page.locator('.lm-Menu-item:has-text("Open With")').hover()
    label = page.locator(".lm-Menu-itemLabel").get_by_text("Workbench", exact=True)
    page.locator(".lm-Menu-item").filter(has=label).click()
    panel = _wait_for_notebook(page, "shop.otlp.jsonl.ipynb")
    # Ingested into a workspace beside the traces, with the run count the SDK wrote.
    assert (lab.root / "traces" / "shop.duckdb").is_file()
    assert _runs_in_summary(panel) == OTLP_TRACES
    failures = panel.locator('.wb-workspace .wb-outcome[data-outcome="failure"] b').inner_text()
    assert int(failures) == len(OTLP_FAILING)
    assert _explorer_runs(panel) == str(OTLP_TRACES)
    page.screenshot(path=str(SHOTS / "extension_otlp.png"))
    panel.locator(".wb-incident-explorer").screenshot(path=str(SHOTS / "extension_otlp_explorer.png"))
    _no_errors(panel, lab)

    # A double-click (the default for .otlp.jsonl) reopens the same notebook and re-runs it: the
    # second ingest adds nothing, and no second notebook or workspace appears.
    _item(page, "shop.otlp.jsonl").dblclick()
    page.wait_for_function(
        """sel => [...(document.querySelector(sel)?.querySelectorAll('.jp-CodeCell .jp-InputPrompt') ?? [])]
                  .map(e => e.textContent.trim()).join(' ') === '[3]: [4]:'""", arg=VISIBLE, timeout=SLOW_MS)
    panel = page.locator(VISIBLE)
    assert _runs_in_summary(panel) == OTLP_TRACES and _explorer_runs(panel) == str(OTLP_TRACES)
    assert sorted(p.name for p in (lab.root / "traces").iterdir() if not p.name.endswith(".wal")
                  and not p.name.startswith(".")) == [
        "shop.duckdb", "shop.otlp.jsonl", "shop.otlp.jsonl.ipynb"]
    _no_errors(panel, lab)


def test_launcher_opens_the_demo(lab: Lab, page: object) -> None:
    page.locator(".jp-BreadCrumbs-home").click()
    page.keyboard.press("Control+Shift+L")  # a new Launcher
    label = page.locator(".jp-LauncherCard-label").get_by_text("Workbench", exact=True)
    page.locator(".jp-LauncherCard:visible").filter(has=label).first.click()
    panel = _wait_for_notebook(page, "workbench-demo.ipynb")
    assert _runs_in_summary(panel) == 2000
    assert _explorer_runs(panel) == "2,000"
    # The demo's system can be re-run: the explorer offers to compute attributions.
    button = panel.locator(".wb-incident-explorer button").filter(has_text="Compute attribution")
    assert button.is_enabled()
    page.screenshot(path=str(SHOTS / "extension_launcher_demo.png"))
    _no_errors(panel, lab)
