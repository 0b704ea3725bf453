"""The JSONL writer and the embedded demo data set."""

from __future__ import annotations

import gzip
import json
from itertools import islice
from pathlib import Path

import pytest

import workbench.sim as sim
from workbench.sim import demo

DATA = Path(__file__).resolve().parents[2] / "data"


def test_write_jsonl_is_byte_for_byte_deterministic(tmp_path: Path) -> None:
    for name in ("a.jsonl", "a.jsonl.gz"):
        one, two = tmp_path / f"1-{name}", tmp_path / f"2-{name}"
        n1 = sim.write_jsonl(sim.procurement(seed=3).generate(15), one)
        n2 = sim.write_jsonl(sim.procurement(seed=3).generate(15), two)
        assert n1 == n2 > 15 * 20
        assert one.read_bytes() == two.read_bytes()
    plain = (tmp_path / "1-a.jsonl").read_bytes()
    assert gzip.decompress((tmp_path / "1-a.jsonl.gz").read_bytes()) == plain
    lines = plain.decode().splitlines()
    assert len(lines) == n1
    recs = [json.loads(line) for line in lines]
    assert recs == [r for run in sim.procurement(seed=3).generate(15) for r in run.to_records()]
    # Sorted keys, compact separators.
    assert lines[0] == json.dumps(recs[0], sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert all(list(r) == sorted(r) for r in recs)


def test_generate_demo_summarises_what_it_wrote(tmp_path: Path) -> None:
    stats = sim.generate_demo(tmp_path / "demo.jsonl", n_runs=60, seed=7)
    assert stats["runs"] == 60
    lines = (tmp_path / "demo.jsonl").read_text().splitlines()
    assert stats["records"] == len(lines)
    recs = [json.loads(x) for x in lines]
    assert sum(r["record"] == "run" for r in recs) == 60
    assert sum(r["record"] == "step" for r in recs) == stats["steps"]
    assert sum(1 for r in recs if r["record"] == "label" and r.get("kind")) == stats["faults"]
    assert sum(stats["faults_by_kind"].values()) == stats["faults"]


def test_committed_demo_data_matches_the_simulator() -> None:
    path = DATA / "demo.jsonl.gz"
    assert path.is_file(), "regenerate with: python -m workbench.sim.demo"
    expected = [r for run in demo.demo_runs(n_runs=25) for r in run.to_records()]
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        head = [json.loads(line) for line in islice(fh, len(expected))]
    assert head == expected
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        runs = sum(1 for line in fh if '"record":"run"' in line)
    assert runs == demo.DEMO_RUNS


def test_demo_failed_work_reads_what_the_store_will_hold(tmp_path: Path) -> None:
    # investigate's head start: the failed runs and their step rows, read from the file before the ingest
    import workbench as wb
    from workbench.attribution._many import pending_work
    from workbench.demo import demo_failed_work

    path = tmp_path / "demo.jsonl.gz"
    sim.generate_demo(path, n_runs=60, seed=7)
    guess = demo_failed_work(path)
    with wb.open() as ws:
        ws.ingest(path, progress=False)
        held = pending_work(ws, None, False, {})
    assert len(held) >= 5 and guess == held


def test_the_failed_runs_index_stands_in_for_the_file_only_while_it_matches(tmp_path: Path) -> None:
    # investigate's worker starts from the index (a few kB) instead of reading the whole file
    from workbench.demo import _read_failed_work, demo_failed_work, failed_index_path, write_failed_index

    path = tmp_path / "demo.jsonl.gz"
    sim.generate_demo(path, n_runs=40, seed=7)
    read = _read_failed_work(path)
    index = write_failed_index(path)
    assert index == failed_index_path(path) == tmp_path / "demo.failed.json.gz"
    assert len(read) >= 3 and demo_failed_work(path) == read
    first = index.read_bytes()
    assert write_failed_index(path).read_bytes() == first  # deterministic bytes
    # what the index holds is what is used (here cut to one run) while it names the file's bytes ...
    body = json.loads(gzip.decompress(first))
    body["failed"] = body["failed"][:1]
    index.write_bytes(gzip.compress(json.dumps(body).encode()))
    assert demo_failed_work(path) == [read[0]]
    # ... and never once the file has changed, nor when it is not an index
    sim.generate_demo(path, n_runs=41, seed=7)
    assert demo_failed_work(path) == _read_failed_work(path) != [read[0]]
    index.write_bytes(b"not gzip")
    assert demo_failed_work(path) == _read_failed_work(path)


def test_the_committed_failed_runs_index_is_the_committed_files() -> None:
    from workbench.demo import _indexed_failed_work

    if not (DATA / "demo.jsonl.gz").exists():
        pytest.skip("an installed package without the data folder")
    # written for these bytes (regenerate both with `python -m workbench.sim.demo`)
    assert _indexed_failed_work(DATA / "demo.jsonl.gz") is not None
