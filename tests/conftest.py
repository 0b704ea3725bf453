"""What several test directories share: one JupyterLab server and one headless Chromium for every
browser test (tests/browser and tests/extension), started on first use and stopped as soon as the
last browser test is done. The browser tests are run one after the other for that (see below)."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path

# One thread per OpenMP and BLAS pool in each test process, and in the kernels, servers and commands it starts
# (they inherit it); set before anything loads those runtimes. The suite runs two xdist workers on two cores: a
# worker's second thread (scikit-learn's boosted trees fit with OpenMP) only spins against the other worker.
# BlameModel.fit on 250 simulated runs: 5.3-5.8 CPU s with the default, 4.4-4.8 with one thread, the same model
# (its predictions identical to the last digit).
for _pool in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_pool, "1")

# No rfc3987_syntax in the test processes, nor in the kernels, servers and commands they start: importing jsonschema
# (altair, nbformat, the Jupyter server) compiled its grammars, ~2 CPU s a process, for a format check nothing here
# uses (tests/_no_iri/rfc3987_syntax.py says more). Before anything imports jsonschema.
_NO_IRI = str(Path(__file__).resolve().parent / "_no_iri")
sys.modules.setdefault("rfc3987_syntax", None)  # (this process: an import of it raises ImportError)
os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (_NO_IRI, os.environ.get("PYTHONPATH")) if p)

import pytest  # noqa: E402
from _deep import deep  # noqa: E402, F401  (the helper the modules of every directory import from _deep)
from _durations import estimate  # noqa: E402
from _durations import load as load_durations  # noqa: E402
from _jupyterlab import SharedLab, uses_browser  # noqa: E402

KERNEL_MODULES = ("tests/notebooks/",)
_STARTED = pytest.StashKey[float]()


def in_browser_group(module: str) -> bool:
    """Whether a test module's tests run in the browser group: told by path, as the xdist scheduler
    (which sees node ids only, no fixtures) must tell it."""
    return module.startswith("tests/browser/") or module.endswith("_browser.py")


def unit_of(module: str) -> str:
    """The unit of work of the xdist split a test module is in: ``browser``, ``notebooks`` or the module itself.
    tests/notebooks is one unit: one kernel per notebook, and one run of a notebook that several modules check
    (tests/notebooks/conftest.py), on one worker."""
    if in_browser_group(module):
        return "browser"
    return "notebooks" if module.startswith(KERNEL_MODULES) else module


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object:
    """pytest-xdist (`-n 2`, in addopts): one unit of work per module, so a module's fixtures are built once
    and its tests run in their written order, one unit for tests/notebooks, and one unit for every browser
    test, so they run on one worker, back to back, in the order below (one JupyterLab, one Chromium, the
    notebooks' demo store filled before the extension test reuses it). xdist's own xdist_group marks are not
    used: with pytest 9.2 they group nothing (xdist 3.8 renames item._nodeid, which pytest no longer reads)."""
    from xdist.scheduler import LoadScopeScheduling

    class ModulesAndBrowser(LoadScopeScheduling):
        ordered = False

        def _split_scope(self, nodeid: str) -> str:
            return unit_of(nodeid.split("::")[0])

        def _assign_work_unit(self, node: object) -> None:
            # Longest units first (tests/_durations.py: their seconds in a whole run, or guessed from their
            # count of tests), so the units handed out last are short and neither worker waits long for the
            # other at the end; xdist's own order, by count of tests, put modules of a few long tests last. The
            # browser unit (a server, Chromium, kernels, every notebook) and the notebook runs in kernels
            # (tests/notebooks) go first whatever their figures say.
            if not self.ordered:
                self.ordered = True
                seconds = load_durations()
                units = sorted(
                    self.workqueue.items(),
                    key=lambda kv: (
                        kv[0] not in ("browser", "notebooks"),
                        -estimate(seconds, kv[0], len(kv[1])),
                    ),
                )
                self.workqueue.clear()
                self.workqueue.update(units)
            super()._assign_work_unit(node)

    return ModulesAndBrowser(config, log)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # The browser tests of every directory back to back, where the first of them was: the shared server
    # and browser then live only for that stretch of the run (and nothing else runs beside Playwright).
    strays = sorted(
        {
            i.nodeid.split("::")[0]
            for i in items
            if uses_browser(i) and not in_browser_group(i.nodeid.split("::")[0])
        }
    )
    if strays:
        raise pytest.UsageError(
            f"{', '.join(strays)}: a test using shared_lab must be in tests/browser/ or in a "
            "module named *_browser.py (the xdist scheduler runs those on one worker)"
        )
    browser = [i for i in items if uses_browser(i)]
    if not browser:
        return
    first = items.index(browser[0])
    rest = [i for i in items if not uses_browser(i)]
    items[:] = rest[:first] + browser + rest[first:]


# Where the two workers' time went (printed at the end, with -n 2): a worker that ends long before the other
# idles, and the run takes as long as the busier one. Tells a change of the split from a change of the tests.
_BUSY: dict[str, list[float]] = {}


def pytest_sessionstart(session: pytest.Session) -> None:
    session.config.stash[_STARTED] = time.monotonic()


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    node = getattr(report, "node", None)  # (the worker that ran it: set by xdist, on the controller only)
    if node is not None:
        busy = _BUSY.setdefault(node.gateway.id, [0.0, 0.0, 0])
        busy[0] += report.duration
        busy[1] = time.monotonic()
        busy[2] += report.when == "call"


def pytest_terminal_summary(terminalreporter: object, config: pytest.Config) -> None:
    started = config.stash.get(_STARTED, None)
    if started is None or not _BUSY:
        return
    terminalreporter.write_sep("=", "xdist workers")
    for worker, (busy, last, tests) in sorted(_BUSY.items()):
        terminalreporter.write_line(
            f"{worker}: {tests} tests, {busy:.0f} s in tests and their fixtures, "
            f"last report {last - started:.0f} s after the start"
        )


# Each test's CPU seconds (this process's and its reaped children's, user + sys) per phase, when
# $WORKBENCH_TEST_CPU names a folder: each process writes them there at its end, in --durations' line format, for
# `python tests/_durations.py [--write] FOLDER/*.txt`. Wall seconds on a loaded machine (8 sessions on 2 cores) swell with
# the load, and unevenly (a test waiting on a browser or a kernel less than one computing); CPU seconds do not.
_CPU_DIR = os.environ.get("WORKBENCH_TEST_CPU")
_CPU: list[str] = []


def _cpu_seconds() -> float:
    import resource

    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _cpu_phase(item: pytest.Item, when: str) -> Iterator[None]:
    if not _CPU_DIR:
        yield
        return
    before = _cpu_seconds()
    yield
    _CPU.append(f"{_cpu_seconds() - before:.3f}s {when:<8} {item.nodeid}")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Iterator[None]:
    yield from _cpu_phase(item, "setup")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    yield from _cpu_phase(item, "call")


def pytest_sessionfinish(session: pytest.Session) -> None:
    if _CPU_DIR and _CPU:
        worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
        out = Path(_CPU_DIR) / f"cpu-{worker}-{os.getpid()}.txt"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text("\n".join(_CPU) + "\n", "utf-8")


@pytest.fixture()
def _own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A demo cache folder of the test's own and no store inherited from the environment (``$WORKBENCH_DB``),
    for the tests that run the CLI, a notebook magic or the pretrained model: ``pytestmark =
    pytest.mark.usefixtures("_own_cache")`` in a module, or the mark on one test."""
    monkeypatch.setenv("WORKBENCH_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("WORKBENCH_DB", raising=False)


@pytest.fixture(scope="session")
def shared_lab(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[SharedLab]:
    lab = SharedLab(tmp_path_factory.mktemp("jupyterlab"))
    request.config.stash[SharedLab.KEY] = lab
    try:
        yield lab
    finally:
        lab.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    before = _cpu_seconds() if _CPU_DIR else 0.0
    yield  # the test's own fixtures (pages, kernels) are torn down first
    lab = item.config.stash.get(SharedLab.KEY, None)
    if lab is not None and uses_browser(item) and (nextitem is None or not uses_browser(nextitem)):
        lab.close()
    if (
        _CPU_DIR
    ):  # (after the close: the server and Chromium, reaped there, are counted with the browser unit)
        _CPU.append(f"{_cpu_seconds() - before:.3f}s teardown {item.nodeid}")
