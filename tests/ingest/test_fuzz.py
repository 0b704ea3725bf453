"""Fuzzing every format: for any mutant file, ingest raises nothing, counts reconcile, twice adds nothing.

Each test generates a bounded number of files (``FUZZ_EXAMPLES``, default 3, 5 with ``WORKBENCH_DEEP_TESTS=1``,
per format and kind of mutation: the same derandomized mutants every run, 2 ingest calls each);
``bench/fuzz_ingest.py`` runs a larger campaign outside the suite.
"""

from __future__ import annotations

import os
from pathlib import Path

import hypothesis.strategies as st
import pytest
from _deep import deep
from _fuzz_core import FORMATS, check_file, edit_bytes, mutate, seeds, to_bytes, write
from hypothesis import HealthCheck, given, settings

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", 5 if deep() else 3))
SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=12)
    | st.sampled_from(["", "catastrophe", "1e30", "-9223372036854775809", "P1D", "ERROR", "agent"])
)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=8,
)
deep = st.integers(min_value=90, max_value=1100).map(lambda d: [[]] if d < 0 else _nest(d))
edit = st.tuples(
    st.integers(min_value=0, max_value=10_000),
    st.sampled_from(["set", "set", "drop", "copy"]),
    json_values | deep,
)
byte_edit = st.tuples(
    st.integers(min_value=0, max_value=10**6),
    st.integers(min_value=0, max_value=30),
    st.binary(max_size=8) | st.sampled_from([b"\xff\xfe", b"\n", b"[[[[", b'"', b"\x00"]),
)


def _nest(depth: int) -> list:
    value: list = []
    for _ in range(depth):
        value = [value]
    return value


@pytest.mark.parametrize("fmt", FORMATS)
def test_json_mutants_never_raise_and_reconcile(fmt: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    records, jsonl = seeds()[fmt]

    @SETTINGS
    @given(edits=st.lists(edit, min_size=1, max_size=4), gz=st.booleans())
    def run(edits: list, gz: bool) -> None:
        data = to_bytes(mutate(records, edits), jsonl)
        path = write(tmp_path_factory.mktemp(fmt) / ("f.jsonl" if jsonl else "f.json"), data, gz)
        check_file(path, fmt)

    run()


@pytest.mark.parametrize("fmt", FORMATS)
def test_byte_mutants_never_raise_and_reconcile(fmt: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    records, jsonl = seeds()[fmt]
    clean = to_bytes(records, jsonl)

    @SETTINGS
    @given(edits=st.lists(byte_edit, min_size=1, max_size=5), gz=st.booleans(), cut=st.integers(0, 100))
    def run(edits: list, gz: bool, cut: int) -> None:
        path = write(tmp_path_factory.mktemp(fmt) / "f", edit_bytes(clean, edits), gz)
        if gz and cut:  # a truncated compressed stream too
            packed = path.read_bytes()
            path.write_bytes(packed[: max(1, len(packed) * cut // 100)])
        check_file(path, fmt)

    run()


def test_every_seed_is_read_whole(tmp_path: Path) -> None:
    for fmt, (records, jsonl) in seeds().items():
        counts = check_file(write(tmp_path / f"{fmt}.json", to_bytes(records, jsonl), False), fmt)
        assert counts["quarantined"] == 0 and counts["stored"] > 0, (fmt, counts)
