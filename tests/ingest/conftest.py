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
