"""The JupyterLab extension in a real JupyterLab, driven in headless Chromium as a person would use it.

A workspace from the demo is double-clicked in the file browser, an OTLP file written with the real
OpenTelemetry SDK is opened with "Open With -> Workbench", and the demo starts from the Launcher; each
time a notebook opens beside the file with the IncidentExplorer on it. Screenshots are saved to
``bench/out/screenshots/`` (or ``$WORKBENCH_SCREENSHOTS``).

The JupyterLab server and Chromium are the ones every browser test shares (tests/_jupyterlab.py:
Debian's ``/usr/bin/chromium`` through Playwright's ``executable_path``, no downloaded browser; without
it the tests skip on a developer machine and fail in CI).
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from _jupyterlab import SHOTS, SharedLab, close_all_tabs, dismiss
from _traces import write_otlp

OTLP_TRACES, OTLP_FAILING = 8, {1, 2, 6}
VISIBLE = ".jp-NotebookPanel:not(.lm-mod-hidden)"
# A run's kernel start, `import workbench` and the first queries take a while on a busy 2-core machine.
SLOW_MS = 240_000

pytestmark = pytest.mark.slow


@dataclass
class Lab:
    url: str
    root: Path
    log: Path
    console: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def lab(shared_lab: SharedLab) -> Lab:
    """The shared JupyterLab (tests/conftest.py), with this module's files in the folder it serves."""
    import workbench as wb

    server = shared_lab.server()
    root = server.root
    (root / "demo").mkdir()
    (root / "traces").mkdir()
    # The demo's workspace, as `workbench lab` writes it (the embedded demo data, 2,000 runs): the one the
    # notebooks of tests/browser filled when they ran before (their kernels are shut down), else a new one.
    if server.demo_db.is_file():
        for suffix in ("", ".wal"):
            if Path(f"{server.demo_db}{suffix}").is_file():
                shutil.copy(f"{server.demo_db}{suffix}", f"{root / 'demo' / 'demo.duckdb'}{suffix}")
    else:
        wb.demo.open_demo(str(root / "demo" / "demo.duckdb")).close()
    for suffix in ("", ".wal"):
        if Path(f"{root / 'demo' / 'demo.duckdb'}{suffix}").is_file():
            shutil.copy(
                f"{root / 'demo' / 'demo.duckdb'}{suffix}", f"{root / 'workbench-demo.duckdb'}{suffix}"
            )
    write_otlp(root / "traces" / "shop.otlp.jsonl", n_traces=OTLP_TRACES, failing=OTLP_FAILING)
    return Lab(url=server.url, root=root, log=server.log)


@pytest.fixture(scope="module")
def page(lab: Lab, shared_lab: SharedLab) -> Iterator[object]:
    """The page every browser test shares (tests/_jupyterlab.py: its boot costs ~5 CPU s), at this module's size,
    the file browser at the served folder's top; the notebooks opened here closed when another test takes the page
    (none does in a whole run: this module's browser tests are the last)."""
    pg, new = shared_lab.page(close_all_tabs)
    pg.set_viewport_size({"width": 1500, "height": 1100})
    heard = {
        "console": lambda m: lab.console.append(f"{m.type}: {m.text}") if m.type == "error" else None,
        "pageerror": lambda e: lab.console.append(f"pageerror: {e}"),
        "dialog": lambda d: (lab.console.append(f"dialog: {d.message}"), dismiss(d)),
    }
    for event, handler in heard.items():
        pg.on(event, handler)
    try:
        if new:
            pg.goto(f"{lab.url}/lab?reset")
        pg.locator(".jp-BreadCrumbs-home").click()
        pg.locator(".jp-DirListing-item").first.wait_for(timeout=SLOW_MS)
        yield pg
    finally:
        for event, handler in heard.items():
            pg.remove_listener(event, handler)


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
    # The summary is the first code cell's result; the explorer is the second's. Not that cell's first output:
    # that is the explorer's status line, hidden once the view is built, so a wait starting after that never
    # saw it visible (round 41's CI, 240 s on "Loading widget...": test_ext42_open_in_a_row_browser.py).
    panel.locator(".wb-workspace").wait_for(timeout=SLOW_MS)
    panel.locator(".jp-Cell").nth(2).locator(".wb-incident-explorer").wait_for(timeout=SLOW_MS)
    # Both code cells done: execution counts set, no cell still busy.
    page.wait_for_function(
        """sel => {
            const p = document.querySelector(sel);  // null while the opener's placeholder is in front
            if (!p) { return false; }
            const prompts = [...p.querySelectorAll('.jp-CodeCell .jp-InputPrompt')].map(e => e.textContent);
            return prompts.length === 2 && prompts.every(t => /\\[\\d+\\]/.test(t));
        }""",
        arg=VISIBLE,
        timeout=SLOW_MS,
    )
    return panel


def _no_errors(panel: object, lab: Lab) -> None:
    errors = panel.locator(
        '[data-mime-type="application/vnd.jupyter.stderr"], .jp-OutputArea-output.jp-mod-error,'
        ' [data-mime-type="application/vnd.jupyter.error"]'
    )
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
                  .map(e => e.textContent.trim()).join(' ') === '[3]: [4]:'""",
        arg=VISIBLE,
        timeout=SLOW_MS,
    )
    panel = page.locator(VISIBLE)
    assert _runs_in_summary(panel) == OTLP_TRACES and _explorer_runs(panel) == str(OTLP_TRACES)
    assert sorted(
        p.name
        for p in (lab.root / "traces").iterdir()
        if not p.name.endswith(".wal") and not p.name.startswith(".")
    ) == ["shop.duckdb", "shop.otlp.jsonl", "shop.otlp.jsonl.ipynb"]
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


def test_a_notebook_planted_beside_a_trace_opens_but_does_not_run(lab: Lab, page: object) -> None:
    """Whoever can write a trace file can write ``<file>.ipynb`` beside it: the extension must not run their code.

    Its own notebook (the cells it writes) re-runs when reopened (above); any other opens for reading.
    """
    import json

    folder = lab.root / "traces"
    shutil.copy(folder / "shop.otlp.jsonl", folder / "planted.otlp.jsonl")
    marker = folder / "ran.txt"
    cell = {
        "cell_type": "code",
        "metadata": {},
        "outputs": [],
        "execution_count": None,
        "source": f"open({str(marker)!r}, 'w').write('planted code ran')",
    }
    (folder / "planted.otlp.jsonl.ipynb").write_text(
        json.dumps(
            {
                "cells": [cell],
                "metadata": {
                    "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}
                },
                "nbformat": 4,
                "nbformat_minor": 5,
            }
        )
    )
    _open_folder(page, "traces")
    _item(page, "planted.otlp.jsonl").dblclick()
    label = page.locator(".lm-TabBar-tabLabel").get_by_text("planted.otlp.jsonl.ipynb", exact=True)
    page.locator(".lm-TabBar-tab.lm-mod-current").filter(has=label).wait_for(timeout=SLOW_MS)
    # The kernel starts with the notebook; once it is idle a run would have written the marker.
    page.locator(f'{VISIBLE} .jp-Notebook-ExecutionIndicator[data-status="idle"]').wait_for(timeout=SLOW_MS)
    # A run would be asked for as the kernel becomes ready (src/notebook.ts runAll awaits sessionContext.ready, then
    # NotebookActions.runAll queues the cells: "[*]" at once): 1.5 s past idle it would have shown (5 s did not tell
    # more, and a queued cell is caught by its prompt, not only by its mark on disk).
    page.wait_for_timeout(1_500)
    assert not marker.exists(), "the planted notebook's code ran"
    prompt = page.locator(f"{VISIBLE} .jp-CodeCell .jp-InputPrompt").first.inner_text()
    assert not re.search(r"\[[\d*]+\]", prompt), prompt
    assert not (folder / "planted.duckdb").exists()  # nothing ingested either
