"""The investigate command's pool: the same attributions as attribute_many, from a worker and this process."""

from __future__ import annotations

import os
import threading
import time
from functools import partial
from pathlib import Path

import pandas as pd
import pytest

import workbench as wb
from workbench.attribution._attribute import save
from workbench.attribution._pool import AttributionPool


@pytest.fixture(scope="module")
def small():
    system = wb.sim.procurement(seed=43, fault_rate=0.6)
    ws = wb.open()
    ws.ingest(system.generate(60))
    return system, ws


def _same(a: list, b: list) -> None:
    assert [x.run_id for x in a] == [y.run_id for y in b]
    for x, y in zip(a, b, strict=True):
        pd.testing.assert_frame_equal(x.values, y.values)
        assert (x.verdict, x.decisive, x.replays, x.params) == (y.verdict, y.decisive, y.replays, y.params)


def _stored(ws) -> list:  # noqa: ANN001
    return ws.sql(
        "SELECT run_id, method, unit, target, value, ci_low, ci_high, params::VARCHAR FROM attributions "
        "ORDER BY ALL"
    ).fetchall()


def test_pool_gives_what_attribute_many_gives(small) -> None:
    system, ws = small
    ws.sql("DELETE FROM attributions")
    want, want_err = wb.attribute_many(ws, system.replay, n_jobs=1, progress=False)
    assert len(want) >= 15 and not want_err
    rows = _stored(ws)
    ws.sql("DELETE FROM attributions")
    with AttributionPool(system.replay, workers=1) as pool:
        assert pool.start(ws) == len(want)
        deadline = time.monotonic() + 120
        while not pool.by_workers and time.monotonic() < deadline:  # this process is busy elsewhere
            time.sleep(0.05)
        got, got_err = pool.finish(ws)
        assert 0 < pool.by_workers <= len(want)
        _same(got, want)
        assert not got_err and _stored(ws) == rows
        assert pool.start(ws) == 0 and pool.finish(ws) == ([], {})  # the store holds them all: nothing to do


def _explode_in_a_worker(parent: int):  # noqa: ANN202
    if os.getpid() != parent:
        raise RuntimeError("this replay cannot be rebuilt here")
    return wb.sim.procurement(seed=43, fault_rate=0.6).replay


class _OnlyHere:
    """A replay function that cannot be unpickled in a worker process."""

    def __init__(self) -> None:
        self.replay = wb.sim.procurement(seed=43, fault_rate=0.6).replay

    def __call__(self, run_id, intervention):  # noqa: ANN001, ANN204
        return self.replay(run_id, intervention)

    def __reduce__(self):  # noqa: ANN204
        return _explode_in_a_worker, (os.getpid(),)


def test_a_broken_worker_costs_nothing(small) -> None:
    system, ws = small
    ws.sql("DELETE FROM attributions")
    some = [
        r
        for (r,) in ws.sql(
            "SELECT run_id FROM runs WHERE outcome = 'failure' ORDER BY run_id LIMIT 12"
        ).fetchall()
    ]
    want, _ = wb.attribute_many(ws, system.replay, some, n_jobs=1, store=False, progress=False)
    with AttributionPool(_OnlyHere(), workers=1) as pool:
        pool.start(ws, some)
        got, errors = pool.finish(ws)  # this process replays every batch the worker could not
        assert pool.by_workers == 0
    _same(got, want)
    assert not errors and ws.sql("SELECT count(DISTINCT run_id) FROM attributions").fetchall()[0][0] == len(
        want
    )


def _guess(system_seed: int, run_ids: list[str], wrong: str) -> list:
    """What a reader of the source could guess: the failed runs' steps, but one run's steps wrong
    (none: replayed from them it has no culprit), one run the store does not hold, one it does left out."""
    ws = wb.open()
    ws.ingest(wb.sim.procurement(seed=system_seed, fault_rate=0.6).generate(60))
    from workbench.attribution._many import pending_work

    work = pending_work(ws, run_ids, False, {})
    return [(r, [] if r == wrong else steps) for r, steps in work[1:]] + [("not-a-failed-run", [])]


def test_a_prefetched_guess_is_checked_against_the_store(small) -> None:
    system, ws = small
    ws.sql("DELETE FROM attributions")
    failed = [
        r for (r,) in ws.sql("SELECT run_id FROM runs WHERE outcome = 'failure' ORDER BY run_id").fetchall()
    ]
    some = failed[:10]
    want, _ = wb.attribute_many(ws, system.replay, some, n_jobs=1, store=False, progress=False)
    with AttributionPool(system.replay, workers=1) as pool:
        pool.prefetch(partial(_guess, 43, some, some[3]))
        deadline = time.monotonic() + 120
        while not set(some[1:]) <= pool._produced.keys() and time.monotonic() < deadline:  # the head start
            time.sleep(0.05)
        assert pool.start(ws, some) == len(some)
        got, errors = pool.finish(ws)
        assert len(some) - 2 <= pool.by_workers <= len(some)
    _same(got, want)
    assert not errors
    assert ws.sql("SELECT count(DISTINCT run_id) FROM attributions").fetchall()[0][0] == len(some)


class _StuckInWorker:
    """A replay that, in a worker process, waits until a file appears (a worker starved of CPU)."""

    def __init__(self, flag: Path) -> None:
        self.replay = wb.sim.procurement(seed=43, fault_rate=0.6).replay
        self.flag = flag
        self.parent = os.getpid()

    def __call__(self, run_id, intervention):  # noqa: ANN001, ANN204
        while os.getpid() != self.parent and not self.flag.exists():
            time.sleep(0.01)
        return self.replay(run_id, intervention)


def test_the_parent_does_not_wait_for_a_stuck_worker(small, tmp_path: Path) -> None:
    system, ws = small
    ws.sql("DELETE FROM attributions")
    some = [
        r
        for (r,) in ws.sql(
            "SELECT run_id FROM runs WHERE outcome = 'failure' ORDER BY run_id LIMIT 12"
        ).fetchall()
    ]
    want, _ = wb.attribute_many(ws, system.replay, some, n_jobs=1, store=False, progress=False)
    flag = tmp_path / "go"
    with AttributionPool(_StuckInWorker(flag), workers=1) as pool:
        pool.start(ws, some)
        deadline = time.monotonic() + 60
        while not pool._claimed and time.monotonic() < deadline:  # the worker has taken its batch
            time.sleep(0.01)
        done: list = []
        finishing = threading.Thread(target=lambda: done.append(pool.finish(ws)), daemon=True)
        finishing.start()
        finishing.join(120)
        flag.touch()  # let the worker go, so that the pool can close
        assert done, "finish() waited for the stuck worker's batch"
        got, errors = done[0]
        assert pool.by_workers == 0 and not errors
    _same(got, want)


def test_a_pool_without_workers_replays_in_a_thread_beside_other_work(small) -> None:
    # investigate's one-process path: finish(store=False) in a thread while the store is busy, saved after
    system, ws = small
    ws.sql("DELETE FROM attributions")
    want, _ = wb.attribute_many(ws, system.replay, n_jobs=1, progress=False)
    rows = _stored(ws)
    ws.sql("DELETE FROM attributions")
    with AttributionPool(system.replay, workers=0) as pool:
        with pytest.raises(ValueError, match="worker"):
            pool.prefetch(list)
        assert pool.start(ws) == len(want)
        out: list = []
        thread = threading.Thread(target=lambda: out.append(pool.finish(ws, store=False)))
        thread.start()
        assert ws.count("steps") > 0  # the store is free for this thread meanwhile
        thread.join()
        got, errors = out[0]
        _same(got, want)
        assert not errors and ws.count("attributions") == 0
        save(ws, got)
        assert _stored(ws) == rows
