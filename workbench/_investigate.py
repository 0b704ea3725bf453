"""``workbench investigate``: per failed run, what is known, in a table that fits the terminal."""

from __future__ import annotations

import argparse
import os
import textwrap
import threading
import time
import warnings
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from ._failed import FAILED_SQL, failed_run_ids, taken_as_failed, taken_note
from ._flagged import FLAGGED_HEADERS, flagged_runs, flagged_summary, flagged_total
from ._lineage_note import lineage_note
from ._termtext import clean, fit_table, terminal_width
from ._trust import trust_lines
from ._unreported_errors import unreported_errors, unreported_note
from ._verdict_rank import VERDICT_RANK
from .attribution._unfamiliar import UNFAMILIAR_BELOW
from .ingest._label_runs import labels_without_runs, said
from .store._outcomes import counted_as
from .store._own_connection import fetch

# a log-only verdict on a run unlike the model's training runs says so (attribution/_familiarity.py)
_UNFAMILIAR = "CASE WHEN params->>'unfamiliar' = 'true' THEN '; unfamiliar run' ELSE '' END"

_TABLE_SQL = f"""
    WITH failed AS (SELECT r.*, u.taken_why FROM runs r JOIN ({FAILED_SQL}) u USING (run_id)),
    errs AS (
        -- the first error to end is where it began: a span that fails because a child raised (a
        -- LangGraph graph, an openai-agents agent) starts before that child but ends after it
        SELECT run_id, count(*) FILTER (WHERE status = 'error') AS error_steps,
               arg_min(coalesce(agent, '?') || ':' || step_id, [coalesce(epoch_us(ended_at), 9223372036854775807), seq])
                   FILTER (WHERE status = 'error' AND kind <> 'system') AS first_error,
               count(DISTINCT agent) AS n_agents
        FROM steps SEMI JOIN failed USING (run_id) GROUP BY run_id),
    culprits AS (
        SELECT run_id, string_agg(DISTINCT label, '; ' ORDER BY label) AS known_culprit
        FROM (SELECT run_id, coalesce(agent, '?') || coalesce('@' || step_id, '')
                             || coalesce(' (' || kind || ')', '') AS label
              FROM labels WHERE agent IS NOT NULL OR step_id IS NOT NULL)
        GROUP BY run_id),
    hits AS (
        SELECT run_id, string_agg(DISTINCT detector, ', ' ORDER BY detector) AS detectors
        FROM findings WHERE severity <> 'info' GROUP BY run_id),
    -- the steps the log-only model scored: with one, its share of 100% is no choice made (a run of one
    -- agent whose one model call is its only turn: the rest are wrappers the model does not weigh)
    scored AS (
        SELECT run_id, count(*) AS n_scored FROM attributions
        WHERE method = 'blame_model' AND unit = 'step' GROUP BY run_id),
    -- The run's verdict by the store's one ranking (store/sql/verdict_rank.sql: a replay verdict outranks
    -- the log-only model's guess, however recent). The step shown is the chosen verdict's own decisive step.
    verdicts AS (
        SELECT run_id, arg_max(CASE WHEN params->>'inconclusive' = 'true' THEN '(inconclusive)'
                                    WHEN target = '' THEN '(none)'
                                    -- one agent: no choice between agents; the step's share is the verdict's
                                    -- (the model's one candidate in a run of several agents: the others
                                    -- only ran tools or held others' steps, and the agent that talks answers)
                                    WHEN params->>'only_agent' = 'true'
                                    THEN target || CASE WHEN n_agents > 1 THEN ' (only agent that talks)'
                                                        ELSE ' (only agent)' END || ', '
                                         || CASE WHEN n_scored = 1 AND (params->>'step_confidence')::DOUBLE >= 1
                                                 THEN 'one candidate step'
                                                 ELSE 'step ' || round(100 * (params->>'step_confidence')::DOUBLE)::INTEGER
                                                      || '%' || CASE WHEN params->>'uncertain' = 'true'
                                                                     THEN ' uncertain' ELSE '' END END
                                         || ' (log' || coalesce(' + ' || (params->>'evidence'), '') || {_UNFAMILIAR} || ')'
                                    ELSE target || ' ' || round(100 * value)::INTEGER || '%'
                                         || CASE WHEN params->>'ambiguous' = 'true' THEN ' shared' ELSE '' END
                                         || CASE WHEN params->>'uncertain' = 'true' THEN ' uncertain' ELSE '' END
                                         || CASE WHEN method = 'blame_model'
                                                 THEN ' (log' || coalesce(' + ' || (params->>'evidence'), '')
                                                      || {_UNFAMILIAR} || ')'
                                                 ELSE '' END
                               END, {VERDICT_RANK}) AS culprit,
               arg_max(method = 'blame_model', {VERDICT_RANK}) AS log_only,
               -- arg_max_null: a replay verdict with no decisive step must not borrow the log-only one
               arg_max_null(params->>'decisive_step', {VERDICT_RANK}) AS step
        FROM attributions LEFT JOIN errs USING (run_id) LEFT JOIN scored USING (run_id)
        WHERE unit = 'verdict' GROUP BY run_id, n_agents, n_scored),
    decisive AS (
        SELECT v.run_id, CASE WHEN v.log_only THEN v.step ELSE coalesce(v.step, r.step) END AS decisive_step
        FROM verdicts v
        LEFT JOIN (SELECT run_id, arg_max(target, created_at) AS step FROM attributions
                   WHERE method = 'decisive-step' GROUP BY run_id) r USING (run_id))
    SELECT f.run_id,
           CASE WHEN f.taken_why IS NOT NULL THEN 'SILENT*'
                WHEN f.reported_outcome = 'success' THEN 'SILENT' ELSE coalesce(f.reported_outcome, '-') END,
           f.n_steps, coalesce(e.error_steps, 0), coalesce(e.first_error, '-'), coalesce(h.detectors, '-'),
           coalesce(v.culprit, '-'), coalesce(d.decisive_step, '-'), coalesce(c.known_culprit, '-')
    FROM failed f
    LEFT JOIN errs e USING (run_id) LEFT JOIN culprits c USING (run_id)
    LEFT JOIN hits h USING (run_id) LEFT JOIN verdicts v USING (run_id) LEFT JOIN decisive d USING (run_id)
    ORDER BY f.started_at NULLS LAST, f.run_id
    LIMIT ?
"""
_HEADERS = [
    "run",
    "reported",
    "steps",
    "errs",
    "first error",
    "detectors",
    "culprit",
    "step",
    "known culprit",
]

# cut to share the room; dropped in this order when even that is too wide
_FLEXIBLE = ["first error", "detectors", "known culprit"]
_DROP = ["known culprit", "first error", "steps"]

LEGEND = [
    # ("a native step with no status is ok": what made a native run that reported nothing read "SILENT*: reported
    # success", walk49; tests/test_walk50_owned.py's strict xfail asks the reader for "unset"; mend this with it)
    "reported: what the run said of itself (its declared outcome, else its root span's status: OK is success, "
    "unset unknown; a native step with no status is ok); SILENT: it reported success but failed (a silent failure); "
    "SILENT*: it reported success and no label says how it ended, but a critical silent_failure finding "
    "says the user got a wrong answer or none, so it is taken as failed and attributed.",
    "errs: steps with an error status.",
    'culprit: the agent the replays blame, with its share of the blame; "shared": another agent explains '
    'the failure about as well (look at both); "(inconclusive)": failed replays could change it; '
    '"(log)": no replay, named by the pretrained log-only BlameModel with its calibrated confidence '
    "(\"uncertain\": its top two agents' scores within 0.1 of each other, unless the run's own evidence backs "
    "its pick to 50% or more; where that evidence named another agent than the model's, below 50%); "
    '"(only agent), step N%": the run has one agent, so no choice between agents '
    '("(only agent that talks)": its other agents only ran tools or held others\' steps, and the model holds the '
    "agent that talks answerable for them); N% is the decisive step's share of the model's step scores (\"uncertain\" below 50%; "
    '"one candidate step": the model scored one step of the run, its other steps being wrappers or calls it does '
    'not weigh, so no choice of step either: look at the run\'s steps); "(log + error)", "(log + silent_failure)", "(log + gave_up)": the model\'s confidence weighed '
    "with the run's own evidence, an error that ended the run, the agent that first stated the value a wrong "
    "answer rests on (or, when the log cannot tell, the one the model is surest of among it and the agents before "
    "it whose words the log does not hold), or the agent whose tool call failed before the answer gave up (the why: "
    "lines say which).",
    *(
        [
            f'"unfamiliar run": the run is further from the runs the model learned from than {1 - UNFAMILIAR_BELOW:.0%} '
            f"of them (its familiarity, the share of those runs at least as far out, is below {UNFAMILIAR_BELOW:g}): the "
            "model's confidence says nothing there, so its verdict reads \"uncertain\" unless the run's own evidence "
            "names the same agent."
        ]
        if UNFAMILIAR_BELOW > 0
        else []
    ),
    'step: the decisive step: by replay, the earliest whose repair saves the run; by the log-only model "(log)", '
    "the culprit's step it scores highest, or the step the run's evidence names (an error's span, a failed call): "
    "no replay checked it.",
    "known culprit: ground-truth labels, when the store has them.",
]


def choose_attribution(ws: Any, replay: Callable | None) -> str:
    """Which attribution path ``investigate`` takes: ``"replay"`` (counterfactual replays, when the
    system can be re-run), ``"logonly"`` (the pretrained :class:`BlameModel` reading the logs, when
    there are failed runs but no replay) or ``"none"``."""
    if replay is not None:
        return "replay"
    n_failed = fetch(ws.con, f"SELECT count(*) FROM ({FAILED_SQL})")[0][0]
    return "logonly" if n_failed else "none"


def attribute_failed(
    ws: Any, replay: Callable | None, path: str, jobs: int | None = None, progress: bool = False
) -> dict[str, str]:
    """Give every run failed for the user (known failures and runs taken as failed, see
    :mod:`workbench._failed`) a stored verdict by ``path`` (see :func:`choose_attribution`); returns
    the runs whose replays could not be carried out, with the reason."""
    if path == "none":
        return {}
    run_ids = failed_run_ids(ws)
    if path == "replay":
        from .attribution._many import attribute_many

        _, errors = attribute_many(ws, replay, run_ids=run_ids, n_jobs=jobs, progress=progress)
        return errors
    if path == "logonly" and run_ids:
        from .attribution import BlameModel
        from .attribution._evidence import store_log_verdicts

        # the model's guess, with the run's own evidence (an error that ended it, the first stater of the
        # wrong answer's value) weighed in: attribution/_evidence.py
        store_log_verdicts(BlameModel.pretrained(), ws, run_ids)
    return {}


def investigate_table(ws: Any, limit: int | None) -> Any:
    """The investigate table (one row per failed run) as a DataFrame."""
    import pandas as pd

    rows = fetch(ws.con, _TABLE_SQL, [limit if limit is not None else 2**62])
    headers, rows = _without_unknown_culprits(_HEADERS, rows)
    return pd.DataFrame(rows, columns=headers)


def _without_unknown_culprits(headers: list[str], rows: list) -> tuple[list[str], list]:
    # Real logs rarely come with ground truth: a "known culprit" column of dashes takes room (and at
    # 80-100 columns was named as hidden, "widen the terminal") for nothing.
    at = headers.index("known culprit")
    if any(r[at] != "-" for r in rows):
        return headers, rows
    return headers[:at] + headers[at + 1 :], [tuple(r[:at]) + tuple(r[at + 1 :]) for r in rows]


def _say(text: str, wrap: bool = False, break_long: bool = False) -> None:
    text = clean(text)
    if wrap:
        width = terminal_width()
        text = "\n".join(
            textwrap.fill(
                line, width=width, subsequent_indent="  ", break_on_hyphens=False, break_long_words=break_long
            )
            for line in text.splitlines()
        )
    print(text, flush=True)


_CPU: dict[str, float] = {}  # CPU seconds of this process (all its threads) per phase, for --timings


def _phase(label: str, fn: Callable[[], Any]) -> tuple[Any, float]:
    start, cpu = time.perf_counter(), time.process_time()
    out = fn()
    _CPU[label] = _CPU.get(label, 0.0) + time.process_time() - cpu
    return out, time.perf_counter() - start


def _processes(jobs: int | None) -> int:
    """Processes that replay (this one included): ``--jobs``, else all CPUs (at most four) unless
    the machine is already busy, then one.

    A worker starts replaying at once (see ``AttributionPool.prefetch``), so it pays wherever a core
    is mostly free. Each 2 of load average take one process off: on 2 cores a worker was measured
    slower than none at load 4.5 and 6 (the machine shared with other work), but a load under 2 is
    also what this command's own previous run leaves behind on an idle machine (the average lags a
    minute), and that must not turn the worker off."""
    if jobs is not None:
        return jobs
    cpus = os.cpu_count() or 1
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0
    return max(1, min(4, cpus - int(load // 2)))


def _preload(*modules: str) -> threading.Thread:
    """Import ``modules`` in a background thread: the drift detector's scipy.stats takes a second
    or two to import, which overlaps the ingest's time in DuckDB (a failure here only means the import is
    done, or fails with its real error, where the module is first used)."""

    def work() -> None:
        import importlib

        for name in modules:
            try:
                importlib.import_module(name)
            except Exception:  # noqa: BLE001, S112 - the caller's own import reports it
                continue

    thread = threading.Thread(target=work, name="workbench-preload", daemon=True)
    thread.start()
    return thread


def _start_pool(replay: Callable, processes: int) -> Any:
    """The replays' pool: ``processes - 1`` worker processes, started now so that their imports
    overlap the ingest; none when there is one process or this platform cannot start them (then
    every replay is this process's, in a thread beside the detectors)."""
    from .attribution._pool import AttributionPool

    if processes >= 2:
        try:
            return AttributionPool(replay, workers=processes - 1)
        except Exception:  # noqa: BLE001, S110 - e.g. no POSIX semaphores in a sandbox, an unpicklable replay
            pass
    return AttributionPool(replay, workers=0)


class _Beside:
    """``fn()`` in a thread, its result (or exception) for whoever joins it."""

    def __init__(self, fn: Callable[[], Any]) -> None:
        self._out: list[Any] = []
        self._error: list[BaseException] = []
        self._thread = threading.Thread(target=self._run, args=(fn,), daemon=True, name="workbench-beside")
        self._thread.start()

    def _run(self, fn: Callable[[], Any]) -> None:
        try:
            self._out.append(fn())
        except BaseException as exc:  # noqa: BLE001 - raised again in the joining thread
            self._error.append(exc)

    def result(self) -> Any:
        self._thread.join()
        if self._error:
            raise self._error[0]
        return self._out[0]


def run(args: argparse.Namespace) -> int:
    """The ``investigate`` command (see ``workbench investigate --help``)."""
    progress = not args.quiet
    _CPU.clear()
    replay = None
    pool = None
    timings: dict[str, float] = {}
    fresh = True
    ws = None
    # a store this call creates is removed if the ingest into it reads nothing or fails
    created = bool(args.paths and args.db) and not os.path.exists(args.db)
    try:
        if args.paths:
            from .workspace import open as wb_open

            ws = wb_open(args.db)
            _preload("workbench.detect", "scipy.stats")
            report, timings["ingest"] = _phase(
                "ingest",
                lambda: ws.ingest(args.paths, format=getattr(args, "format", None), progress=progress),
            )
            created = created and report.read == 0
            args.ingested = report  # (the command line's records and exit status read it: _cli_report.py)
            # (the report's own "report.skipped lists all 6" is Python's; here the way to the list is a command)
            _say(report.text(all_skipped="`workbench ingest … --list-skipped` lists all {n:,}"), wrap=True)
            # (a labels file with a bad line stores its other labels: the store holds what to investigate)
            if report.stored == 0 and report.quarantined and not report.labels:
                from .exceptions import IngestError

                raise IngestError(
                    f"every record was quarantined ({report.quarantined:,}): nothing to investigate; "
                    "the lines above say where and why"
                )
        elif args.db:
            from ._analysis_store import open_to_analyse

            if not os.path.exists(args.db):
                # opening it would create an empty store and report "0 runs, 0 failed": a mistyped path
                # read as "nothing failed"
                from .exceptions import InvalidParameterError

                raise InvalidParameterError(
                    f"--db {args.db}: no such file or folder (to build a store there, give the logs to ingest: "
                    f"workbench investigate PATH ... --db {args.db})"
                )
            _say(f"investigating {args.db}")
            ws, copied = open_to_analyse(args.db)  # (a store it may only read: on a copy in memory)
            if copied:
                _say(copied, wrap=True)
        else:
            from .demo import demo_cache_path, demo_data_path, demo_failed_work, demo_replay, open_demo

            source = demo_data_path() or "the simulator (seed 7)"
            cached = not args.no_cache and demo_cache_path().exists()
            _say(
                f"analysing the demo data: 2,000 simulated runs of a 5-agent procurement system from {source}"
                + (f" (stored in {demo_cache_path()})" if cached else ""),
                wrap=True,
            )
            replay = demo_replay()
            if not cached:  # detectors and hundreds of replays to come
                if not args.no_attribute:
                    pool = _start_pool(replay, _processes(args.jobs))
                    if pool.workers and isinstance(source, Path):
                        # the worker reads the failed runs from the data's index (or the file) and replays
                        # them during the ingest; the pool keeps only what the store's rows confirm
                        pool.prefetch(partial(demo_failed_work, source))
                _preload("workbench.detect", "scipy.stats")
            ws, timings["load"] = _phase(
                "load", lambda: open_demo(progress=progress, cache=not args.no_cache)
            )
            fresh = ws.count("findings") == 0  # a cached demo store already holds its findings
        path = choose_attribution(ws, replay)
        attributing = path != "none" and not args.no_attribute
        finishing = None
        if attributing and pool is not None:
            # the workers replay while this process runs the detectors, and so does a thread of this
            # process: the detectors' SQL runs in DuckDB without Python's lock (their CPU seconds
            # below then include this thread's replays)
            _, timings["attribute: queue"] = _phase("queue", lambda: pool.start(ws, progress=progress))
            finishing = _Beside(lambda: pool.finish(ws, store=False))
        if fresh and not ws.read_only:
            from .detect import detect  # scipy: only when there is detecting to do

            with warnings.catch_warnings():
                warnings.simplefilter(
                    "ignore", RuntimeWarning
                )  # scipy's exact KS test falls back, harmlessly
                _, timings["detect"] = _phase("detect", lambda: detect(ws, progress=progress))
        if path == "none":  # the detectors may have found runs that failed for the user (see _failed.py)
            path = choose_attribution(ws, replay)
            attributing = path != "none" and not args.no_attribute
        if attributing:
            if path == "logonly":
                _say(
                    "no replay of this system: culprits come from the pretrained log-only BlameModel",
                    wrap=True,
                )
            if finishing is not None:
                (_, errors), timings["attribute: rest"] = _phase(
                    "attribute", lambda: _saved(ws, finishing.result())
                )
            else:
                errors, timings["attribute"] = _phase(
                    "attribute", lambda: attribute_failed(ws, replay, path, jobs=args.jobs, progress=progress)
                )
            if errors:
                _say(
                    f"{len(errors)} runs could not be attributed (replays failed), e.g. "
                    f"{next(iter(errors))}: {next(iter(errors.values()))}",
                    wrap=True,
                )
        # the table before the workers stop: nothing in it waits for them to exit
        # (the command line's --json and --fail-on give their own report: workbench/_cli_report.py)
        report_to = getattr(args, "report", None) or _print_table
        _, timings["print"] = _phase("print", lambda: report_to(ws, args))
        if args.timings:
            _say("seconds: " + ", ".join(f"{k} {v:.1f}" for k, v in timings.items()))
            # CPU time says what wall time cannot on a busy machine (worker processes not included)
            _say("cpu seconds in this process: " + ", ".join(f"{k} {v:.1f}" for k, v in _CPU.items()))
    finally:
        if pool is not None:
            pool.close()
        if ws is not None:
            ws.close()  # a file store is checkpointed and unlocked now, not whenever the process ends
        if created and ws is not None:
            from .cli import remove_new_store

            remove_new_store(args.db)
    return 0


def _saved(ws: Any, done: tuple[list, dict[str, str]]) -> tuple[list, dict[str, str]]:
    """Store the attributions ``AttributionPool.finish(store=False)`` returned (a hundred runs per
    transaction, as it would have)."""
    from .attribution._many import save_in_batches

    save_in_batches(ws, done[0])
    return done


def _labels_waiting(ws: Any, args: argparse.Namespace) -> list[str]:
    """The runs the store's labels name that it holds no run of, but those this call's ingest report named
    already (it was printed above the table)."""
    report = getattr(args, "ingested", None)
    named = set(report.unknown_label_runs) if report is not None else set()
    return [r for r in labels_without_runs(ws.con) if r not in named]


def _print_table(ws: Any, args: argparse.Namespace) -> None:
    n_runs = ws.count("runs")
    n_failed, n_silent, n_unknown = fetch(
        ws.con,
        "SELECT count(*) FILTER (WHERE outcome = 'failure'), "
        "count(*) FILTER (WHERE outcome = 'failure' AND reported_outcome = 'success'), "
        "count(*) FILTER (WHERE outcome IS NULL OR outcome NOT IN ('success', 'failure')) FROM runs",
    )[0]
    taken = taken_as_failed(ws)
    limit = None if args.all else args.limit
    rows = fetch(ws.con, _TABLE_SQL, [limit if limit is not None else 2**62])
    n_listed = n_failed + len(taken)
    shown = "" if args.all or n_listed <= args.limit else f"; first {args.limit} shown, --all for every one"
    silent = f", {n_silent:,} of them silent (reported success)" if n_silent else ""
    also = f", {len(taken):,} more taken as failed" if taken else ""
    unknown = f", {n_unknown:,} of unknown outcome" if n_unknown else ""
    # named, so that the counts add up to the runs (47 runs, 6 failed, 14 taken, 26 unknown: and the 47th?)
    n_ok = fetch(ws.con, f"SELECT count(*) FROM ({counted_as(True)}) WHERE outcome = 'success'")[0][0]
    ok = f", {n_ok:,} succeeded" if n_ok else ""
    _say(
        f"{n_runs:,} {'run' if n_runs == 1 else 'runs'}, {n_failed:,} failed{silent}{also}{unknown}{ok}{shown}",
        wrap=True,
    )
    waiting = _labels_waiting(ws, args)
    if waiting:
        _say(f"labels: {said(waiting)} (not counted as runs)", wrap=True)
    if not rows:
        _say("no failed runs: nothing to attribute", wrap=True)
        flagged = _print_flagged(ws, limit)
        unreported = unreported_note(ws)
        if unreported:
            _say(unreported, wrap=True)
        if n_unknown:
            _say(
                f"the logs do not say whether {'this run' if n_unknown == 1 else f'these {n_unknown:,} runs'} "
                f'failed: label outcomes in Python ({_LISTS_THEM}; ws.label(run_id, outcome="failure"), or '
                'ws.label_file("labels.csv") with columns run_id, outcome) in a store kept with --db, '
                f"{BY_FILE}, then investigate it again",
                wrap=True,
            )
        if flagged:
            _say(next_steps(args), wrap=True, break_long=True)
        return
    headers, rows = _without_unknown_culprits(_HEADERS, rows)
    _say(
        fit_table(
            rows,
            headers,
            terminal_width(),
            flexible=[h for h in _FLEXIBLE if h in headers],
            drop=[h for h in _DROP if h in headers],
            right=["steps", "errs"],
        )
    )
    for entry in LEGEND:
        if entry.split(":")[0] in headers:
            _say(entry, wrap=True)
    if taken:
        _say(taken_note(taken), wrap=True)
    for line in evidence_lines(ws, shown=[r[0] for r in rows]):
        _say(line, wrap=True)
    for line in trust_lines([r[headers.index("culprit")] for r in rows]):  # how far a (log) N% goes
        _say(line, wrap=True)
    disagree = lineage_note(ws)
    if disagree:
        _say(disagree, wrap=True)
    flagged = flagged_summary(ws)
    if flagged:
        _say(flagged, wrap=True)
    unreported = unreported_note(ws)
    if unreported:
        _say(unreported, wrap=True)
    if n_unknown > len(unreported_errors(ws)):  # (those the line above names each have their next step)
        _say(
            unknown_note(
                n_unknown, f"wb.open({args.db!r})" if args.db else "a store kept with --db", by_file=True
            ),
            wrap=True,
        )
    summary = agreement(ws)
    if summary:
        _say(summary, wrap=True)
    _say(next_steps(args), wrap=True, break_long=True)  # a long store path must not overflow the width


_EVIDENCE_SQL = f"""
    WITH top_step AS (   -- the step the model alone scores highest (step_rule "top"), with what it was
        SELECT a.run_id, arg_max(a.target, a.value) AS model_step,
               arg_max(s.kind || coalesce(' ' || s.name, ''), a.value) AS model_step_is
        FROM attributions a LEFT JOIN steps s ON s.run_id = a.run_id AND s.step_id = a.target
        WHERE a.method = 'blame_model' AND a.unit = 'step' GROUP BY a.run_id)
    SELECT run_id, arg_max(target, {VERDICT_RANK}), arg_max(params->>'why', {VERDICT_RANK}),
           arg_max(params->>'disagrees', {VERDICT_RANK}), arg_max(params->>'model_agent', {VERDICT_RANK}),
           arg_max(TRY_CAST(params->>'model_confidence' AS DOUBLE), {VERDICT_RANK}),
           arg_max(method = 'blame_model', {VERDICT_RANK}), arg_max(params->>'only_agent' = 'true', {VERDICT_RANK}),
           arg_max(params->>'decisive_step', {VERDICT_RANK}), any_value(model_step), any_value(model_step_is)
    FROM attributions LEFT JOIN top_step USING (run_id) WHERE unit = 'verdict' GROUP BY run_id ORDER BY run_id"""


def _cut(text: Any, width: int = 80) -> str:
    text = str(text)
    return text if len(text) <= width else text[: width - 1] + "…"


def evidence_lines(ws: Any, limit: int = 3, shown: list[str] | None = None) -> list[str]:
    """Why the log-only verdicts weighed in the run's own evidence (attribution/_evidence.py): a line for
    each of the first ``limit`` such runs, saying what the log shows and whether the model alone agreed.
    ``shown``: the runs of the table, in its order: those come first, in that order (by run id, a why: line
    named a run the table above left out while one it showed went unexplained)."""
    rows = [r for r in fetch(ws.con, _EVIDENCE_SQL) if r[6] and r[2]]
    hidden = 0
    if shown is not None:
        # only the table's runs, in its order: with --limit 1, three why: lines named two runs it left out
        at = {run: i for i, run in enumerate(shown)}
        hidden = sum(r[0] not in at for r in rows)
        rows = sorted((r for r in rows if r[0] in at), key=lambda r: at[r[0]])
    lines = []
    for run, culprit, why, other, model_agent, model_conf, _, sole, step, model_step, model_step_is in rows[
        :limit
    ]:
        # names and texts from the logs: one line each, cut (clean() strips control characters)
        # (cut too: an agent name may be megabytes, the field limit; the sentence stored before attack24 was not)
        why = clean(_cut(why, 400), newlines=False)
        if other and model_agent == other:
            # (a confidence of exactly 1: the one agent the model weighs, which evidence overruled (combine): no
            # "100%" a reader would take for certainty)
            how_sure = "the only agent it weighs" if model_conf >= 1.0 else f"{model_conf:.0%}"
            tail = f"the model alone named {clean(_cut(other), newlines=False)} ({how_sure}); the evidence outweighs it"
        elif other and sole:  # the model's one candidate: its 1.0 is no choice made, so not "surer"
            tail = (
                f"the evidence names {clean(_cut(other), newlines=False)}, an agent the model does not weigh "
                f"(it names the agent that talks, {clean(_cut(culprit), newlines=False)}): look at both"
            )
        elif other:
            tail = (
                f"the evidence names {clean(_cut(other), newlines=False)}, but the model is surer of "
                f"{clean(_cut(culprit), newlines=False)}: look at both"
            )
        elif sole and model_step and step and model_step != step:
            # one agent: agreeing on it is no choice; the question is the step, where the model scored another
            # higher (what the step's low share in the table comes from: "the model agrees" hid it)
            tail = (
                f"the model has no other agent to weigh, and of its steps scores "
                f"{clean(_cut(model_step), newlines=False)}"
                + (f" ({clean(_cut(model_step_is), newlines=False)})" if model_step_is else "")
                + " highest, not this one: look at both"
            )
        else:
            tail = "the model agrees"
        lines.append(f"why: {clean(_cut(run), newlines=False)}: {why}; {tail}")
    more = max(len(rows) - limit, 0) + hidden
    if more:
        lines.append(
            f"why: and {more:,} more {'run' if more == 1 else 'runs'} whose verdict weighed such evidence "
            "(ws.sql(\"SELECT run_id, params->>'why' FROM attributions WHERE unit = 'verdict'\"))"
        )
    return lines


def _print_flagged(ws: Any, limit: int | None) -> bool:
    rows = flagged_runs(ws, limit)
    if not rows:
        return False
    total = flagged_total(ws)
    shown = f"; first {len(rows)} shown, --all for every one" if total > len(rows) else ""
    _say(
        f"{total:,} {'run' if total == 1 else 'runs'} not known to have failed flagged by the detectors "
        f"(loops, storms, breaches … may still cost time and money){shown}:",
        wrap=True,
    )
    _say(
        fit_table(
            rows,
            FLAGGED_HEADERS,
            terminal_width(),
            flexible=["detectors", "worst finding"],
            drop=["steps"],
            right=["steps"],
        )
    )
    return True


# which runs to label: the messages named the call to label one, never where its run ids are
_LISTS_THEM = 'ws.runs(outcome="unknown") lists them'


# the command line's own way to label, with no Python: the native format's label records, ingested
BY_FILE = (
    'or with no Python: a .jsonl of label records, one a line ({"record": "label", "run_id": "…", '
    '"outcome": "failure"}), given to workbench ingest --db STORE'
)


def unknown_note(
    n_unknown: int, where: str = "", again: str = "investigate again", by_file: bool = False
) -> str:
    """Beside a table of failed runs, the runs it leaves out because their logs never say how they ended (most
    exports of real traces): the count in its first line was all a reader had of them, and no way to bring them in."""
    which = "1 run of unknown outcome is" if n_unknown == 1 else f"{n_unknown:,} runs of unknown outcome are"
    return (
        f"{which} not in the table (the logs do not say whether {'it' if n_unknown == 1 else 'they'} failed): "
        f"label the failed ones{' in ' + where if where else ''} ({_LISTS_THEM}; ws.label(run_id, "
        f'outcome="failure"), or ws.label_file("labels.csv") with columns run_id, outcome)'
        f"{', ' + BY_FILE + ',' if by_file else ''} and {again} to attribute them"
    )


def next_steps(args: argparse.Namespace) -> str:
    """What to do after the table: where the store is, and how to look at one run."""
    if args.db:
        return (
            f"next: in Python, ws = wb.open({args.db!r}) reads this store and IncidentExplorer(ws) shows a "
            f"run's timeline, steps and verdict; `workbench lab --db {args.db}` opens it beside the notebooks"
        )
    if args.paths:
        return (
            "next: add --db FILE to keep this store (it was in memory), then wb.open(FILE) in Python "
            "or `workbench lab --db FILE`"
        )
    return (
        "next: `workbench lab` opens the notebooks on this demo (one incident in the IncidentExplorer, "
        "threshold tuning, policy export); `workbench investigate FILE... --db STORE` reads your own logs"
    )


def agreement(ws: Any) -> str:
    """How often the verdicts agree with ground-truth labels, when the store has them."""
    row = fetch(
        ws.con,
        f"""
        WITH v AS (SELECT run_id, arg_max(target, {VERDICT_RANK})
                          AS culprit FROM attributions
                   WHERE unit = 'verdict' AND target <> '' GROUP BY run_id),
        d AS (SELECT run_id, arg_max(step, [replay, epoch_us(created_at)]) AS step
              FROM (SELECT run_id, target AS step, created_at, 1 AS replay FROM attributions
                    WHERE method = 'decisive-step'
                    UNION ALL
                    SELECT run_id, params->>'decisive_step', created_at, 0 FROM attributions
                    WHERE method = 'blame_model' AND unit = 'verdict' AND params->>'decisive_step' IS NOT NULL)
              GROUP BY run_id),
        l AS (SELECT run_id, list(agent) AS agents, list(step_id) AS steps FROM labels
              WHERE source = 'ground_truth' AND agent IS NOT NULL GROUP BY run_id)
        SELECT count(*), count(*) FILTER (WHERE list_contains(l.agents, v.culprit)),
               count(*) FILTER (WHERE list_contains(l.steps, d.step))
        FROM v JOIN l USING (run_id) LEFT JOIN d USING (run_id)""",
    )[0]
    n, agent_ok, step_ok = row
    if not n:
        return ""
    return (
        f"verdicts vs ground truth on {n:,} labelled failed runs: culprit agent right in {agent_ok / n:.0%}, "
        f"decisive step is a labelled fault step in {step_ok / n:.0%}"
    )
