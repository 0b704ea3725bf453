"""Both readers agree on every trace file the framework and format tests of this directory write: gathered as
each of those tests ends, from its ``tmp_path``, and compared in a few ingest calls a reader when the worker is
done with this directory (tests/ingest/_reader_agreement.py: a difference names the test), rather than by running
those tests again elsewhere to collect their files (what test_reader24_agreement.py did until stop 31: half its
time) or in two calls a file (until round 47: most of the cost, a call's own)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from _reader_agreement import WRITERS, WrittenFiles

_WRITTEN = WrittenFiles()
# Files kept for the comparison past which it is run where a module ends, instead of all at the worker's end: there
# it ran after the scheduler had handed out the last unit, in the last test's teardown (7-18 s), so the worker that
# ended last ended that much later; run between modules, the scheduler hands the other worker more meanwhile. (Fewer
# files a comparison cost more calls a file, each file at most once either way: a few dozen keep most of it.)
FLUSH_AT = 32


@pytest.fixture(scope="session", autouse=True)
def _both_readers_agree_on_what_the_tests_wrote() -> Iterator[None]:
    yield
    _WRITTEN.flush()


@pytest.fixture(autouse=True)
def _both_readers_agree_on_what_the_test_wrote(request: pytest.FixtureRequest) -> Iterator[None]:
    # (autouse: set up before the test's own fixtures, so run after they ended: its monkeypatching undone)
    yield
    if request.module.__name__ in WRITERS:
        _WRITTEN.check(request.node)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    out = yield
    # (between modules only: the tests of one module mostly write the same trace ids, read in separate batches)
    if (
        nextitem is not None
        and nextitem.nodeid.split("::")[0] != item.nodeid.split("::")[0]
        and len(_WRITTEN.pending) >= FLUSH_AT
    ):
        _WRITTEN.flush()
    return out
