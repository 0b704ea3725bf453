"""Driving a notebook in JupyterLab the way a person does: open it, Run All, look at the page."""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from _jupyterlab import dismiss

PANEL = ".jp-NotebookPanel:not(.lm-mod-hidden)"

# Every code cell has run (a number in its prompt), none is still queued or running.
_ALL_RAN = (
    """() => {
  const panel = document.querySelector('%s');
  if (!panel) return false;
  const prompts = [...panel.querySelectorAll('.jp-CodeCell .jp-InputArea-prompt')].map(p => p.textContent.trim());
  return prompts.length > 0 && prompts.every(t => /^\\[\\d+\\]:$/.test(t));
}"""
    % PANEL
)

# Every chart on the page: its drawing surface and the box it occupies on screen.
_CHARTS = (
    """() => [...document.querySelectorAll('%s .vega-embed')].map(e => {
  const s = e.querySelector('svg.marks, canvas.marks') || e.querySelector('svg, canvas');
  const r = s ? s.getBoundingClientRect() : {width: 0, height: 0};
  const marks = s && s.tagName.toLowerCase() === 'svg' ? s.querySelectorAll('path, rect, line, text, circle').length : -1;
  return {kind: s ? s.tagName.toLowerCase() : null, width: r.width, height: r.height, marks: marks,
          title: (e.querySelector('.role-title-text') || {}).textContent || ''};
})"""
    % PANEL
)


@dataclass
class Session:
    """One open notebook: what the console and dialogs said while it ran."""

    page: object
    console_errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    seconds: float = 0.0


class Desk:
    """One JupyterLab page for every notebook of the browser tests, and one kernel for the committed notebooks and
    the view tests.

    A page's boot (JupyterLab's bundles, its extensions, the settings) costs ~4.8 CPU s and a kernel with
    ``HEADER``'s imports ~10: most view tests spent more on those than on their view. A notebook is opened in
    the page as a person does (File > Open from Path…) and closed after (its changes discarded); each is given the
    one kernel, its namespace, widgets and warning filters reset in between (the reset closes the demo store a
    committed notebook opened: the next opens it). The view tests' notebook (``VIEW``, ``run_cells``) stays open
    from one view test to the next, which writes its cells into the file and reloads it (File > Reload Notebook
    from Disk, its run discarded): opening and closing a notebook panel cost the page ~1.6 CPU s a test.
    """

    def __init__(self, browser, lab) -> None:  # noqa: ANN001
        self.browser, self.url, self.shared = browser, lab.url, lab.shared
        self.runtime = lab.root.parent / "runtime"  # the server's JUPYTER_RUNTIME_DIR (tests/_jupyterlab.py)
        self.page = None
        self.current: Session | None = None
        # What the page said while no notebook was open (a closed notebook's widgets and kernel going away): a
        # page of its own per notebook closed with it and was never heard; printed, not held against the next.
        self.between: list[str] = []
        self.opened = time.monotonic()
        self.kernel: str | None = None
        self.view_open = False  # the view tests' notebook is open in the page (the next view test reloads it)
        self._client = None  # (a shell-only client of ``kernel``, kept while it lives: ``warm_kernel``)
        self._heard: object | None = None  # the page ``_listen`` listens to

    def _listen(self, page) -> None:  # noqa: ANN001
        def errors() -> list[str]:
            return self.current.console_errors if self.current else self.between

        def when() -> str:  # (which notebook an error came with, when a flake has to be told from a fault)
            return (
                f" [{time.monotonic() - self.opened:.1f} s after {'opening' if self.current else 'closing'}]"
            )

        page.on(
            "console",
            lambda m: errors().append(f"{m.text} @ {m.location}{when()}") if m.type == "error" else None,
        )
        page.on("pageerror", lambda e: errors().append(f"pageerror: {e} {e.stack or ''}"[:3000] + when()))

        def on_dialog(d) -> None:  # noqa: ANN001
            (self.current.dialogs if self.current else self.between).append(f"{d.type}: {d.message}{when()}")
            dismiss(d)

        page.on("dialog", on_dialog)
        self._heard = page

    def open(self, name: str, width: int | None = None) -> Session:
        """Open ``name`` in the shared page, the window ``width`` px wide (the desk's 1400 by default)."""
        self.close_view()
        # (the page every browser test shares: tests/_jupyterlab.py; the view tests' notebook is closed when another
        # test takes it)
        page, new = self.shared.page(self._hand_over)
        self.page = page
        if page is not self._heard:
            self._listen(page)
        # (a test before may have narrowed it; an empty page: nothing laid out again)
        page.set_viewport_size({**VIEWPORT, "width": width or VIEWPORT["width"]})
        if new:
            s = self._start(page)
            page.goto(f"{self.url}/lab/tree/{name}?reset")
        else:
            s = self._start(page)
            page.click(".lm-MenuBar-itemLabel:text-is('File')")
            page.click(".lm-Menu-itemLabel:text-is('Open from Path…')")
            page.fill(".jp-Dialog input", name)
            page.click(".jp-Dialog-button.jp-mod-accept")
        label = page.locator(".lm-TabBar-tabLabel").get_by_text(name, exact=True)
        page.locator(".lm-DockPanel .lm-TabBar-tab.lm-mod-current").filter(has=label).wait_for(
            timeout=120_000
        )
        # The idle indicator shows before any kernel exists; a Run All sent then is lost.
        page.wait_for_selector("text=(ipykernel) | Idle", timeout=120_000)
        return s

    def _start(self, page) -> Session:  # noqa: ANN001
        if self.between:
            print("the page between two notebooks:", *self.between, sep="\n  ", file=sys.stderr)
            self.between.clear()
        self.opened = time.monotonic()
        self.current = Session(page)
        return self.current

    def close(self, s: Session) -> None:
        """Close the notebook's tab (discarding what its run changed): the page is ready for the next."""
        page = s.page
        if page.is_closed():
            return
        try:
            page.keyboard.press("Escape")  # a menu or tooltip a test left open
            page.click(".lm-MenuBar-itemLabel:text-is('File')")
            page.click(".lm-Menu-itemLabel:text-is('Close Tab')")
            discard = page.locator(".jp-Dialog-button:has-text('Discard')")
            page.wait_for_function(
                "() => !document.querySelector('%s') || document.querySelector('.jp-Dialog')" % PANEL,
                timeout=30_000,
            )
            if discard.count():
                discard.click()
            page.wait_for_function("() => !document.querySelector('%s')" % PANEL, timeout=30_000)
        except Exception:  # noqa: BLE001 - a page left in a state we cannot read: the next notebook boots a new one
            page.close()
        finally:
            self.current = None
            self.opened = time.monotonic()
            self.view_open = False

    def leave(self) -> None:
        """The test on the open notebook is done: what the page says now is said between two tests."""
        self.current = None
        self.opened = time.monotonic()

    def close_view(self) -> None:
        """Close the view tests' notebook if it is open (another notebook opens, or a view test failed)."""
        if self.view_open and self.page is not None:
            s = self._start(self.page)
            self.close(s)
            self.between += s.console_errors + s.dialogs  # (printed with the next notebook, as between two)

    def _hand_over(self, page) -> None:  # noqa: ANN001
        """Another test takes the shared page (tests/_jupyterlab.py): the view tests' notebook is closed first."""
        self.close_view()

    def reload_view(self, cells: int, width: int | None = None) -> bool:
        """The view tests' notebook, open in the page, reloaded from its file (``cells`` code cells, none run yet)
        on the shared kernel, still alive, the window ``width`` px wide (the desk's 1400 by default); False when it
        is not open so (then it is closed: open it). What the page says meanwhile (the last test's views going) is
        said between two tests, as when that notebook closed: ``resume`` starts the next test's session."""
        page = self.page
        if not self.view_open or page is None or page.is_closed() or self.kernel is None:
            self.close_view()
            return False
        if not _kernel_alive(self.url, self.kernel):
            self.close_view()
            return False
        try:
            page.keyboard.press("Escape")  # a menu or tooltip a test left open
            page.click(".lm-MenuBar-itemLabel:text-is('File')")
            page.click(".lm-Menu-itemLabel:text-is('Reload Notebook from Disk')")
            # its run changed it: JupyterLab asks before discarding that
            page.wait_for_function(_RELOADED_OR_ASKED, arg=[PANEL, cells], timeout=30_000)
            ask = page.locator(".jp-Dialog .jp-Dialog-button.jp-mod-accept")
            if ask.count():
                ask.click()
            page.wait_for_function(_RELOADED, arg=[PANEL, cells], timeout=30_000)
            # a test before may have narrowed it: the size asked for once its views are gone (resized before the
            # reload, the page laid out and redrew every chart and view of the test before at 1400 px, for nothing)
            page.set_viewport_size({**VIEWPORT, "width": width or VIEWPORT["width"]})
            # at its top, as a notebook just opened (the test before left it scrolled: scroll_into_view_if_needed
            # then put a slider under the notebook's toolbar, where a drag started on the toolbar)
            page.evaluate(
                "(panel) => { for (const e of document.querySelector(panel).querySelectorAll('*'))"
                " if (e.scrollTop) e.scrollTop = 0; }",
                PANEL,
            )
        except Exception as e:  # noqa: BLE001 - a page we cannot read: the notebook is opened afresh instead
            print(f"reloading {VIEW}: {e}; opening it afresh", file=sys.stderr)
            self.close_view()
            return False
        return True

    def resume(self) -> Session:
        """The session of the next test on the notebook reloaded (``reload_view``), once its kernel is idle."""
        s = self._start(self.page)
        s.page.wait_for_selector("text=(ipykernel) | Idle", timeout=120_000)  # (the reset done)
        return s

    def warm_kernel(self, name: str) -> None:
        """Give the notebook ``name`` the view tests' kernel (started on first use), reset to a fresh namespace."""
        if name != VIEW:
            self.close_view()
        if self.kernel is not None and not _kernel_alive(self.url, self.kernel):
            self._forget_kernel()
        if self.kernel is None:
            # (with a path the server starts it in the lab's root, as it would for the notebook: without one it
            # inherits the server's working directory, the checkout, and a notebook's relative file lands there)
            self.kernel = _post(f"{self.url}/api/kernels", {"name": "python3", "path": name})["id"]
        if self._client is None:
            self._client = _shell_client(self.runtime, self.kernel)
        _execute(self._client, _RESET)  # (on a new kernel: notes the filters it started with)
        # the page opening ``name`` finds this session by its path and connects to its kernel
        _post(
            f"{self.url}/api/sessions",
            {"path": name, "name": name, "type": "notebook", "kernel": {"id": self.kernel}},
        )

    def _forget_kernel(self) -> str | None:
        kernel, self.kernel = self.kernel, None
        if self._client is not None:
            self._client.stop_channels()
            self._client = None
        return kernel

    def drop_kernel(self) -> None:
        """A test failed on the shared kernel: stop it, so that the next view test starts on a fresh one."""
        kernel = self._forget_kernel()
        if kernel is not None:
            try:
                _delete_kernel(self.url, kernel)
            except (
                OSError
            ) as e:  # (already gone, or the server with it: the test's own failure is what counts)
                print(f"stopping the shared kernel {kernel}: {e}", file=sys.stderr)


VIEWPORT = {"width": 1400, "height": 1800}
# The view tests' notebook: each writes its cells into it (tests/browser/_lab.py's run_cells)
VIEW = "view.ipynb"
# The open notebook holds ``n`` code cells, none run (the cells of the one before had all run).
_RELOADED = """([panel, n]) => { const p = document.querySelector(panel); if (!p) return false;
  const prompts = [...p.querySelectorAll('.jp-CodeCell .jp-InputArea-prompt')].map(e => e.textContent);
  return prompts.length === n && !prompts.some(t => /\\d/.test(t)); }"""
_RELOADED_OR_ASKED = (
    "([panel, n]) => !!document.querySelector('.jp-Dialog') || (%s)([panel, n])"
    % _RELOADED.replace("\n", " ")
)
_DESKS: dict[tuple[int, str], Desk] = {}


def desk(browser, lab) -> Desk:  # noqa: ANN001
    """The desk of this browser and server (a new one when either was restarted: the old page and kernel went)."""
    key = (id(browser), lab.url)
    if key not in _DESKS:
        _DESKS.clear()
        _DESKS[key] = Desk(browser, lab)
    return _DESKS[key]


# Between two view tests on the shared kernel: their widgets closed (a new page would load each back from the
# kernel), their names gone, the warning filters as the kernel started with (a test's "ignore" must not hide
# the next one's warnings from its no-stderr check).
_RESET = """import sys as _sys, warnings as _warnings
import ipywidgets as _ipywidgets
if not hasattr(_sys, "_workbench_test_filters"):
    _sys._workbench_test_filters, _sys._workbench_test_cwd = list(_warnings.filters), __import__("os").getcwd()
__import__("os").chdir(_sys._workbench_test_cwd)
_ipywidgets.Widget.close_all()
_warnings.filters[:] = _sys._workbench_test_filters
_warnings._filters_mutated()
get_ipython().run_line_magic("reset", "-f")  # (its gc.collect() closes the test before's DuckDB connections)
assert not [k for k in get_ipython().user_ns if not k.startswith("_") and k not in ("In", "Out", "get_ipython",
            "exit", "quit", "open")], "the shared kernel kept names of the test before"
assert not __import__("ipywidgets.widgets.widget", fromlist=["_instances"])._instances, "widgets left open"
"""


def _post(url: str, body: dict) -> dict:
    import json
    import urllib.request

    req = urllib.request.Request(
        url, data=json.dumps(body).encode(), method="POST", headers={"Content-Type": "application/json"}
    )
    return json.loads(urllib.request.urlopen(req, timeout=60).read())


def _kernel_alive(url: str, kernel: str) -> bool:
    import json
    import urllib.request

    kernels = json.loads(urllib.request.urlopen(f"{url}/api/kernels", timeout=10).read())
    return any(k["id"] == kernel and k.get("execution_state") != "dead" for k in kernels)


def _shell_client(runtime: Path, kernel: str):  # noqa: ANN202
    """A client of the server's kernel ``kernel`` (through its connection file in the server's ``runtime`` folder, as
    a second client), on its shell channel only: a request there waits in the socket until a kernel still starting
    listens, and its reply says whether the code ran. (A full client, connected for each reset, waited for the
    kernel's readiness and its IOPub: ~0.5 s of each view test's set-up at a load of 19, 25 times a run.)"""
    from jupyter_client import BlockingKernelClient

    kc = BlockingKernelClient(connection_file=str(runtime / f"kernel-{kernel}.json"))
    kc.load_connection_file()
    kc.start_channels(shell=True, iopub=False, stdin=False, hb=False, control=False)
    return kc


def _execute(kc, code: str, timeout: float = 180) -> None:  # noqa: ANN001
    """Run ``code`` in the kernel of the shell client ``kc``; raise if it failed or no reply came in ``timeout`` s."""
    from queue import Empty

    msg_id = kc.execute(code, store_history=False)
    deadline = time.monotonic() + timeout
    while True:
        try:
            reply = kc.get_shell_msg(timeout=max(deadline - time.monotonic(), 0.1))
        except Empty:
            raise RuntimeError(f"resetting the shared kernel: no reply in {timeout:.0f} s") from None
        if reply["parent_header"].get("msg_id") == msg_id:
            break
    if reply["content"]["status"] != "ok":
        raise RuntimeError(f"resetting the shared kernel failed: {reply['content']}")


def run_all(s: Session, timeout: float = 600) -> None:
    page = s.page
    t0 = time.monotonic()
    page.click(".lm-MenuBar-itemLabel:text-is('Run')")
    page.click(".lm-Menu-itemLabel:text-is('Run All Cells')")
    page.wait_for_function(_ALL_RAN, timeout=timeout * 1000, polling=100)
    page.wait_for_selector("text=(ipykernel) | Idle", timeout=timeout * 1000)
    s.seconds = time.monotonic() - t0


def save_notebook(s: Session, path: Path, timeout: float = 120) -> Path:
    """File > Save Notebook, then wait until ``path`` on disk holds every cell's run."""
    import nbformat

    page = s.page
    page.click(".lm-MenuBar-itemLabel:text-is('File')")
    page.click(".lm-Menu-itemLabel:text-is('Save Notebook')")
    deadline = time.monotonic() + timeout
    while True:
        try:
            nb = nbformat.read(path, as_version=4)
            if all(c.get("execution_count") for c in nb.cells if c.cell_type == "code"):
                return path
        except Exception:  # noqa: BLE001 - caught mid-write: read again
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"{path.name} was not saved with its outputs within {timeout:.0f} s")
        time.sleep(0.1)  # (a read of the file costs ~ms: at 0.5 each save waited ~0.25 s past written)


# Resolves once the page has painted a frame after the call (two animation frames): what a screenshot taken next of
# a part just scrolled into view needs, instead of a fixed wait.
PAINTED = "() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))"


def charts(s: Session) -> list[dict]:
    return s.page.evaluate(_CHARTS)


def wait_charts_drawn(s: Session, minimum: int, timeout: float = 60) -> list[dict]:
    """Charts draw asynchronously after their cell finished: wait until ``minimum`` are there."""
    deadline = time.monotonic() + timeout
    while True:
        found = charts(s)
        drawn = [c for c in found if c["kind"] and c["width"] > 0 and c["height"] > 0]
        if (len(found) >= minimum and len(drawn) == len(found)) or time.monotonic() > deadline:
            return found
        s.page.wait_for_timeout(
            100
        )  # (a look costs the page ~ms: at 500 each call waited ~0.25 s past drawn)


# Resolves once the notebook's outputs (their boxes, charts, widget boxes, tables and how many elements there are)
# have not moved for ``quiet`` ms, or after ``limit`` ms (false then).
_SETTLED = """([panel, quiet, limit]) => new Promise(done => {
  const sig = () => { const p = document.querySelector(panel); if (!p) return '';
    const els = [...p.querySelectorAll('.jp-OutputArea-output, .vega-embed, .vega-embed svg, .widget-box, table')];
    return p.getElementsByTagName('*').length + ':' + els.map(e => { const r = e.getBoundingClientRect();
      return [r.left, r.top, r.width, r.height, e.scrollWidth].map(Math.round).join(','); }).join(';'); };
  const t0 = performance.now();
  let last = sig(), since = t0;
  const tick = () => { const now = sig(), t = performance.now();
    if (now !== last) { last = now; since = t; }
    if (t - since >= quiet) done(true); else if (t - t0 >= limit) done(false); else setTimeout(tick, 50); };
  setTimeout(tick, 50);
})"""


def settle(s: Session, quiet: float = 0.5, limit: float = 10) -> bool:
    """Wait until the notebook's layout has settled (after a resize, or the last widgets drawing): nothing in
    its outputs moved, grew or appeared for ``quiet`` s. A fixed 1.5 s wait guessed the same, and always paid it."""
    return s.page.evaluate(_SETTLED, [PANEL, quiet * 1000, limit * 1000])


# Resolves once an image of our own at src "x" has failed to load: an ``<img src=x onerror=...>`` that log text put
# on the page (were it not escaped) asked for the same address earlier, and its handler would have run by then.
_ONERROR_PROBE = """() => new Promise(done => { const i = new Image();
  i.onerror = i.onload = () => done(true); i.src = 'x'; })"""


def onerror_would_have_fired(s: Session) -> None:
    """Wait until an ``onerror`` handler of an injected ``<img src=x>`` would have run (a fixed 1-1.5 s wait
    guessed it, and always paid it); the image asked for here is never added to the page."""
    s.page.evaluate(_ONERROR_PROBE)
    s.page.wait_for_timeout(200)  # (and a dialog it opened reached Playwright's handler)


def cell_errors(s: Session) -> list[str]:
    return s.page.eval_on_selector_all(
        f"{PANEL} .jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr'],"
        f" {PANEL} .jp-RenderedText[data-mime-type='application/vnd.jupyter.error']",
        "els => els.map(e => e.textContent.slice(0, 500))",
    )


def widget_errors(s: Session) -> list[str]:
    return s.page.eval_on_selector_all(
        f"{PANEL} .jp-OutputArea-output",
        "els => els.map(e => e.textContent).filter(t => /Error displaying widget|"
        "model not found|Failed to load model/.test(t))",
    )


# Every element of an output that scrolls sideways (holds more than its width): a reader sees a table or
# view cut at the right edge of the notebook. Cell number, element, content and box widths.
_WIDE = """(panel) => [...document.querySelectorAll(panel + ' .jp-Cell .jp-OutputArea-output')].flatMap(out => {
  const cell = out.closest('.jp-Cell');
  const n = [...cell.parentElement.children].indexOf(cell);
  return [out, ...out.querySelectorAll('*')].filter(e => e.scrollWidth > e.clientWidth + 1
      && ['auto', 'scroll'].includes(getComputedStyle(e).overflowX))
    .map(e => `cell ${n}: ${e.tagName}.${e.className} holds ${e.scrollWidth} px in ${e.clientWidth}`);
})"""


def wide_outputs(s: Session) -> list[str]:
    """The outputs (and elements in them) that scroll sideways: wider than the notebook shows."""
    return s.page.evaluate(_WIDE, PANEL)


def screenshot(s: Session, path: Path, full: bool = True) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    s.page.screenshot(path=str(path), full_page=full)
    return path


def _delete_kernel(url: str, kernel: str) -> None:
    import json
    import os
    import urllib.request

    req = urllib.request.Request(f"{url}/api/kernels/{kernel}", method="DELETE")
    urllib.request.urlopen(req, timeout=30).read()
    # Wait until the server lists it no more (a page opened while a kernel is still going away sees a 500 from
    # /api/kernels in its console) and its process has exited (it may hold the demo store's lock).
    conn = f"kernel-{kernel}.json".encode()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        listed = any(
            k["id"] == kernel
            for k in json.loads(urllib.request.urlopen(f"{url}/api/kernels", timeout=10).read())
        )
        running = False
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as fh:
                    running = running or conn in fh.read()
            except OSError:
                continue
        if not listed and not running:
            return
        time.sleep(0.2)


def wait_text_change(s: Session, selector: str, before: str, timeout: float = 30) -> float:
    """Seconds until the text of ``selector`` differs from ``before``."""
    t0 = time.perf_counter()
    s.page.wait_for_function(
        "([sel, before]) => { const e = document.querySelector(sel); return e && e.innerText !== before; }",
        arg=[selector, before],
        timeout=timeout * 1000,
        polling="raf",
    )
    return time.perf_counter() - t0


def text(s: Session, selector: str) -> str:
    return s.page.eval_on_selector(selector, "e => e.innerText")


KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}


@contextlib.contextmanager
def run_cells(  # noqa: ANN001
    browser, lab, name: str, cells: list[str], width: int | None = None
) -> Iterator[Session]:
    """A notebook of ``cells`` written into the lab's root as ``name`` and into the view tests' notebook, which is
    opened (or reloaded) in the shared page on the view tests' shared kernel (reset first) and Run All, the window
    ``width`` px wide (1400 by default: a test whose first look is narrower runs its cells at that width, as a
    person with that window would, instead of drawing everything at 1400 and again at its width): the session, to
    look at the page; left open for the next view test, closed if the test failed (and the kernel stopped, so no
    failure leaks into the next)."""
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook

    nb = new_notebook(cells=[new_code_cell(c) for c in cells])
    nb.metadata["kernelspec"] = KERNELSPEC
    nbformat.write(nb, lab.root / name)  # (the test's notebook, to open by hand)
    nbformat.write(nb, lab.root / VIEW)
    d = desk(browser, lab)
    try:
        # (the last test's cells and outputs gone, their views with them)
        reloaded = d.reload_view(len(cells), width)
        d.warm_kernel(VIEW)
        if reloaded:
            s = d.resume()
        else:
            s = d.open(VIEW, width)
            d.view_open = True
    except BaseException:  # (nothing of a set-up gone wrong left for the next test)
        d.close_view()
        d.drop_kernel()
        raise
    try:
        run_all(s)
        yield s
    except BaseException:
        d.close(s)
        d.drop_kernel()
        raise
    d.leave()


# The first lines of a test notebook's set-up cell: the imports every view test uses, charts drawn offline.
HEADER = """import json, pathlib, tempfile, warnings
import workbench as wb
from workbench import plots
from workbench.widgets import DriftMonitor, IncidentExplorer, LimitTuner, ThresholdTuner
plots.enable_offline()
"""


# One incident in three real framework traces (ux41, ux42): LangGraph through OpenInference and smolagents' managed
# agent, each a made-up figure passed on and reported as success (taken as failed), and a pydantic-ai delegation of
# unknown outcome; a system of one run each.
_FIXTURES = Path(__file__).resolve().parents[1] / "ingest" / "fixtures"
REAL_TRACES = [
    str(_FIXTURES / "langgraph" / "openinference_two_agents.otlp.jsonl"),
    str(_FIXTURES / "smolagents" / "managed_fault.otlp.jsonl"),
    str(_FIXTURES / "pydantic-ai" / "delegation_fault.otlp.jsonl"),
]


def whowhen_folder(runs: int, payload_in_answer: bool = False) -> str:
    """Set-up code writing ``runs`` Who&When-shaped files into a fresh ``folder`` (every run failed, the labels
    name Coder at step 1, the reason carries the ``XSS`` payload the code defines) and ingesting it as ``ws``.
    Run k has k + 1 Coder/terminal turns; with ``payload_in_answer`` the Verifier's last turn ends with it too."""
    tail = ' + " " + XSS' if payload_in_answer else ""
    return f'''XSS = "<img src=x onerror=alert(1)>"
folder = pathlib.Path(tempfile.mkdtemp())
for k in range({runs}):
    hist = [{{"name": "Planner", "role": "assistant", "content": "Plan: count the rows with code."}}]
    for j in range(k + 1):
        hist += [{{"name": "Coder", "role": "assistant", "content": f"```python\\nprint(len(rows) + {{j}})\\n```"}},
                 {{"name": "Computer_terminal", "role": "user",
                  "content": f"exitcode: 0 (execution succeeded)\\nCode output: {{40 + j}}"}}]
    hist.append({{"name": "Verifier", "role": "assistant", "content": "41 looks right. TERMINATE"{tail}}})
    (folder / f"{{k}}.json").write_text(json.dumps({{
        "question": f"How many rows in file {{k}}?", "ground_truth": "42", "is_correct": False, "history": hist,
        "mistake_agent": "Coder", "mistake_step": "1", "mistake_reason": f"miscounted rows {{XSS}}"}}))
ws = wb.open()
ws.ingest(str(folder), progress=False)
'''


# The charts of a view (its .vega-embed boxes, in order): their boxes on screen.
_CHART_BOXES = """(v) => [...v.querySelectorAll('.vega-embed')].map(e => { const r = e.getBoundingClientRect();
  return {left: r.left, top: r.top, right: r.right, bottom: r.bottom}; })"""


def chart_layout(view) -> str:  # noqa: ANN001
    """How a view's charts lie: "row" (side by side, one top), "stacked" (each below the one before, one left
    edge) or "mixed" (a row that wrapped part-way: two side by side and a third below them)."""
    boxes = view.evaluate(_CHART_BOXES)
    if len(boxes) < 2:
        return "row"
    if max(b["top"] for b in boxes) - min(b["top"] for b in boxes) <= 2:
        return "row"
    below = all(b["top"] >= a["bottom"] - 2 for a, b in zip(boxes, boxes[1:], strict=False))
    if below and max(b["left"] for b in boxes) - min(b["left"] for b in boxes) <= 2:
        return "stacked"
    return "mixed"


# Every cell of each state table: its text and on how many lines it is drawn.
_CELL_LINES = """(v) => [...v.querySelectorAll('table.wb-state-table tr')].slice(1).map(tr => [...tr.children].map(td => {
  const r = document.createRange(); r.selectNodeContents(td);
  return [td.innerText, new Set([...r.getClientRects()].filter(x => x.width > 0).map(x => Math.round(x.top))).size];
}))"""


def state_cell_lines(view) -> list[list[list]]:  # noqa: ANN001
    """Each row of the view's state table as ``[text, lines drawn]`` per cell."""
    return view.evaluate(_CELL_LINES)


def drawn_at(s: Session, width: int, minimum: int) -> list[dict]:
    """The page at ``width`` px, its ``minimum`` charts or more drawn with marks, settled, no cell or widget error:
    the charts (what most view tests check first)."""
    s.page.set_viewport_size({"width": width, "height": 1800})
    drawn = wait_charts_drawn(s, minimum)
    settle(s)
    assert not cell_errors(s) and not widget_errors(s), (cell_errors(s), widget_errors(s))
    assert len(drawn) >= minimum and all(c["marks"] > 3 for c in drawn), drawn
    return drawn


# Per cell (numbered as the notebook's, from 1): its output's width and its first chart's.
_WIDTHS = """(panel) => Object.fromEntries([...document.querySelectorAll(panel + ' .jp-CodeCell')].map((cell, i) => {
  const out = cell.querySelector('.jp-OutputArea-output'); const chart = cell.querySelector('.vega-embed');
  return [i + 1, [out ? out.clientWidth : 0, chart ? chart.getBoundingClientRect().width : 0]];
}))"""


def unfilled(s: Session, cells: tuple[int, ...]) -> list[tuple[int, float, float]]:
    """The ``cells`` (numbered from 1) whose bare chart is not as wide as its output: (cell, output px, chart px).
    (A bare timeline was 826 px in a 1000 px window's 568 px output; one drawn while its cell ran, 0 px.)"""
    widths = s.page.evaluate(_WIDTHS, PANEL)
    return [
        (n, *widths[str(n)])
        for n in cells
        if not widths[str(n)][0] - 2 <= widths[str(n)][1] <= widths[str(n)][0] + 1
    ]
