"""What several test directories share: one JupyterLab server and one headless Chromium for every
browser test (tests/browser and tests/extension), started on first use and stopped as soon as the
last browser test is done. The browser tests are run one after the other for that (see below)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from _jupyterlab import SharedLab, uses_browser


@pytest.hookimpl(tryfirst=True)   # before xdist's own hook reads the xdist_group marks given here
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # The browser tests of every directory back to back, where the first of them was: the shared server
    # and browser then live only for that stretch of the run (and nothing else runs beside Playwright).
    # Under pytest-xdist (`-n 2 --dist loadgroup`, in addopts) each group is one unit of work for one
    # worker, in this order: the browser tests are one group (one server, one Chromium, the notebooks'
    # demo store filled before the extension test reuses it) and every other module its own group, so a
    # module's fixtures are built once and its tests run in their written order.
    for item in items:
        item.add_marker(pytest.mark.xdist_group("browser" if uses_browser(item) else item.nodeid.split("::")[0]))
    browser = [i for i in items if uses_browser(i)]
    if not browser:
        return
    first = items.index(browser[0])
    rest = [i for i in items if not uses_browser(i)]
    items[:] = rest[:first] + browser + rest[first:]


@pytest.fixture(scope="session")
def shared_lab(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Iterator[SharedLab]:
    lab = SharedLab(tmp_path_factory.mktemp("jupyterlab"))
    request.config.stash[SharedLab.KEY] = lab
    try:
        yield lab
    finally:
        lab.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    yield   # the test's own fixtures (pages, kernels) are torn down first
    lab = item.config.stash.get(SharedLab.KEY, None)
    if lab is not None and uses_browser(item) and (nextitem is None or not uses_browser(nextitem)):
        lab.close()
