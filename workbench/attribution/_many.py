"""Attribution of many runs at once: steps read in one query, runs spread over worker processes,
verdicts written in one transaction, runs the store already holds a verdict for skipped."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from ..exceptions import InvalidParameterError, WorkbenchError
from ..store._own_connection import fetch
from ..store._run_scope import run_id_list
from ._attribute import Attribution, attribute_steps, save

_STEP_COLUMNS = "run_id, step_id, agent, kind, seq"
_SAVE_EVERY = 100


def save_in_batches(ws, results: Sequence[Attribution]) -> None:  # noqa: ANN001
    """Store attributions ``_SAVE_EVERY`` runs per transaction, as :func:`attribute_many` does as it goes."""
    for i in range(0, len(results), _SAVE_EVERY):
        save(ws, results[i : i + _SAVE_EVERY])


def _chunks(items: Sequence, n: int) -> list[Sequence]:
    size = max(1, -(-len(items) // n))
    return [items[i : i + size] for i in range(0, len(items), size)]


def _work(batch: list[tuple[str, list[tuple]]], replay: Callable, options: dict[str, Any]) -> list:
    """Attribute a batch of runs in one worker; a run whose replays cannot be carried out costs only itself."""
    out: list = []
    for run_id, steps in batch:
        try:
            out.append(attribute_steps(steps, run_id, replay, **options))
        except WorkbenchError as exc:
            out.append((run_id, f"{type(exc).__name__}: {exc}"))
    return out


def stored_verdicts(
    ws,
    run_ids: Iterable[str],
    method: str = "shapley",  # noqa: ANN001
    counterfactual: str = "repair",
) -> set[str]:
    """Runs among ``run_ids`` whose verdict by ``method`` the store already holds."""
    pattern = "shapley-%" if method == "shapley" else method
    rows = fetch(
        ws.con,
        "SELECT DISTINCT run_id FROM attributions WHERE unit = 'verdict' AND method LIKE ? "
        "AND coalesce(params->>'counterfactual', 'repair') = ? AND list_contains(?::VARCHAR[], run_id)",
        [pattern, counterfactual, list(run_ids)],
    )
    return {r for (r,) in rows}


def pending_work(
    ws,
    run_ids: Sequence[str] | None,
    skip_stored: bool,  # noqa: ANN001
    options: dict[str, Any],
) -> list[tuple[str, list[tuple]]]:
    """The runs :func:`attribute_many` has to attribute, with their steps as (step_id, agent, kind,
    seq) rows, read in one query."""
    for bad in ("store", "n_jobs", "ws", "run_id"):
        if bad in options:
            raise InvalidParameterError(f"attribute_many() takes no {bad!r} option for single runs")
    if run_ids is None:
        run_ids = [
            r for (r,) in fetch(ws.con, "SELECT run_id FROM runs WHERE outcome = 'failure' ORDER BY run_id")
        ]
    run_ids = list(dict.fromkeys(run_id_list(run_ids)))
    if skip_stored and run_ids:
        held = stored_verdicts(
            ws, run_ids, options.get("method", "shapley"), options.get("counterfactual", "repair")
        )
        run_ids = [r for r in run_ids if r not in held]
    if not run_ids:
        return []
    # plain tuples, not a DataFrame per run: cheaper to build, to read and to send to workers
    by_run: dict[str, list[tuple]] = {r: [] for r in run_ids}
    for run_id, *row in fetch(
        ws.con,
        f"SELECT {_STEP_COLUMNS} FROM steps WHERE list_contains(?::VARCHAR[], run_id) ORDER BY run_id, seq",
        [run_ids],
    ):
        by_run[run_id].append(tuple(row))
    return list(by_run.items())


def attribute_many(
    ws,
    replay: Callable,
    run_ids: Sequence[str] | None = None,
    *,  # noqa: ANN001
    n_jobs: int | None = None,
    skip_stored: bool = True,
    store: bool = True,
    progress: bool = True,
    **options: Any,
) -> tuple[list[Attribution], dict[str, str]]:
    """:func:`attribute` over many runs (default: every failed run), in parallel.

    Parameters
    ----------
    ws : Workspace
        The store.
    replay : callable
        ``replay(run_id, intervention)``; with ``n_jobs > 1`` it must be picklable (a module-level
        function or a bound method of a picklable object) as runs go to worker processes.
    run_ids : sequence of str, optional
        The runs; default every run whose outcome is ``failure``.
    n_jobs : int, optional
        Worker processes (default: one per idle CPU, at most 8, from 200 runs on; else 1, in this
        process; -1: joblib's every worker). Inside ``joblib.parallel_backend("dask")`` the runs go to
        a Dask cluster instead.
    skip_stored : bool
        Leave out runs the ``attributions`` table already holds a verdict for (same method and
        counterfactual): a second call costs no replays.
    store : bool
        Write the new attributions as they come, a hundred runs per transaction (an interrupted
        call keeps what it finished, and the next call skips it).
    progress : bool
        A progress bar over runs.
    **options
        Passed to :func:`attribute` (``unit``, ``method``, ``counterfactual``, ``timeout`` ...).

    Returns
    -------
    (list of Attribution, dict)
        The new attributions, and the runs that could not be attributed with the reason (a
        :class:`ReplayError` for one run costs only that run).
    """
    work = pending_work(ws, run_ids, skip_stored, options)
    if not work:
        return [], {}
    if n_jobs is None:
        # Workers pay off only over many runs (each starts in a second or two) and on idle cores: on a
        # machine already busy they were measured slower than one process.
        idle = (os.cpu_count() or 1) - os.getloadavg()[0] if hasattr(os, "getloadavg") else 1
        n_jobs = max(1, min(8, int(idle))) if len(work) >= 200 else 1
    n_jobs = min(int(n_jobs), len(work)) if n_jobs > 0 else int(n_jobs)  # -1: joblib's "every worker"
    results: list[Attribution] = []
    errors: dict[str, str] = {}
    from tqdm.auto import tqdm  # here: workers import this module for _work, and never show a bar

    bar = tqdm(total=len(work), desc="attribute", unit="run", disable=not progress)
    try:
        if n_jobs == 1:
            outputs: Iterable[list] = (_work([item], replay, options) for item in work)
        else:
            # Several small batches per worker: the bar moves, and a slow run does not hold a whole share.
            from joblib import Parallel, delayed  # only here: a worker process of the pool never needs it

            batches = _chunks(work, (n_jobs if n_jobs > 0 else os.cpu_count() or 1) * 8)
            outputs = Parallel(n_jobs=n_jobs, return_as="generator_unordered")(
                delayed(_work)(b, replay, options) for b in batches
            )
        unsaved: list[Attribution] = []
        for out in outputs:
            for item in out:
                if isinstance(item, Attribution):
                    results.append(item)
                    unsaved.append(item)
                else:
                    errors[item[0]] = item[1]
            bar.update(len(out))
            # written as they come, in a few transactions: an interrupted call keeps what it replayed
            if store and len(unsaved) >= _SAVE_EVERY:
                save(ws, unsaved)
                unsaved = []
        if store:
            save(ws, unsaved)
    finally:
        bar.close()
    order = {r: i for i, (r, _) in enumerate(work)}
    results.sort(key=lambda a: order[a.run_id])
    return results, errors
