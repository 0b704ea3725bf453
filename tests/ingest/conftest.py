"""Both readers agree on every trace file the framework and format tests of this directory write: checked as
each of those tests ends, on the files in its ``tmp_path`` (tests/ingest/_reader_agreement.py), rather than by
running those tests again elsewhere to collect their files (what test_reader24_agreement.py did until stop 31:
half its time)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from _reader_agreement import WRITERS, WrittenFiles

_WRITTEN = WrittenFiles()


@pytest.fixture(autouse=True)
def _both_readers_agree_on_what_the_test_wrote(request: pytest.FixtureRequest) -> Iterator[None]:
    # (autouse: set up before the test's own fixtures, so run after they ended: its monkeypatching undone)
    yield
    if request.module.__name__ in WRITERS:
        _WRITTEN.check(request.node)
