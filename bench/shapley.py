"""Shapley engine benchmark: workbench vs shap, side by side on the same games, in one run.

Usage::

    python bench/shapley.py             # everything, ~2-3 minutes on 2 cores
    python bench/shapley.py --quick     # fewer seeds and budgets
    python bench/shapley.py --curves    # also print the error-vs-calls points

Tables (markdown):

1. Exact: our enumeration vs ``shap.ExactExplainer`` (time, value calls, max |difference|, peak memory).
   shap's numba compilation is paid once on a 3-player warm-up and not timed (also for table 2).
2. Sampling at equal value-call budgets, on games with closed-form Shapley values (random sparse
   interaction sum-of-unanimity games, weighted voting with random integer weights — exact index by a
   dynamic program — and airport games), n = 10, 20, 30: our permutation sampler, the same sampler
   without position stratification (ablation: plain antithetic pairs through the cache), shap's
   PermutationExplainer, and shap's KernelExplainer (``l1_reg=False``: its default keeps only 10
   features, which is not an estimator of all n values). Value calls are counted as rows the model
   function receives (shap) and distinct value calls (ours). The *target error* is the mean max-abs
   error shap's PermutationExplainer reaches with 32 permutations (16·(2n+1) rows); "calls to target"
   interpolates each method's mean error curve in log-log, and "× fewer" is shap-permutation's calls to
   target divided by the method's.
3. The ``method="auto"`` crossover: distinct value calls ``method="permutation"`` spends until every
   95% CI half-width is below 1% of Σ|φ| (``tol``), as a fraction of the 2**n calls of enumeration,
   per game family (median over seeds); random table games (i.i.d. v(S)) are the no-structure worst case.

Times are wall-clock per explanation; shap gets a vectorised numpy model, ours a per-coalition Python
function, so times mix engine overhead with game cost. With expensive value functions (replays) only
the call counts matter.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import tracemalloc
import warnings
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

# one BLAS thread per process (set before numpy loads): the pool already uses every core
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from workbench.attribution._games import (  # noqa: E402
    airport,
    random_table,
    sparse_interaction,
    weighted_voting,
)
from workbench.attribution._shapley import shapley  # noqa: E402


def make_game(kind: str, n: int, seed: int) -> tuple:
    """(game for us, vectorised f(X) for shap, exact values as an array)."""
    rng = np.random.default_rng(seed)
    if kind == "sparse":
        terms = [
            (rng.choice(n, size=int(rng.integers(1, 6)), replace=False).tolist(), float(rng.normal()))
            for _ in range(3 * n)
        ]
        game = sparse_interaction(terms, list(range(n)))
        carriers = np.zeros((len(terms), n), dtype=np.int32)
        for j, (t, _) in enumerate(terms):
            carriers[j, t] = 1
        sizes, weights = carriers.sum(1), np.array([w for _, w in terms])

        def f(x: np.ndarray) -> np.ndarray:
            return ((x.astype(np.int32) @ carriers.T) == sizes) @ weights
    elif kind == "voting":
        w = rng.integers(1, 20, size=n)
        quota = int(w.sum()) // 2 + 1
        game = weighted_voting(w.tolist(), quota)

        def f(x: np.ndarray) -> np.ndarray:
            return (x @ w >= quota).astype(float)
    elif kind == "airport":
        c = rng.uniform(1, 10, size=n)
        game = airport(c.tolist())

        def f(x: np.ndarray) -> np.ndarray:
            return (x * c).max(axis=1)
    else:
        raise ValueError(kind)
    return game, f, np.array([game.shapley_values[p] for p in game.players])


class Counted:
    """Counts rows the model function is asked for."""

    def __init__(self, f) -> None:  # noqa: ANN001
        self.f, self.rows = f, 0

    def __call__(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x)
        self.rows += len(x)
        return self.f(x)


def run_ours(game, n, budget, seed, stratify=True):  # noqa: ANN001, ANN201
    from workbench.attribution._shapley import FINISH_MAX_PLAYERS, _enumerate, _exact_from_table
    from workbench.attribution._shapley_perm import CachedValue, sample

    if stratify:
        res = shapley(game, game.players, method="permutation", max_evals=budget, seed=seed)
        return res.values["value"].to_numpy(), res.n_evals
    # the engine's loop with independent pairs instead of Latin rounds, finishing small games the same way
    cv = CachedValue(game, None, track_distinct=n <= FINISH_MAX_PLAYERS)
    st = sample(
        cv,
        game.players,
        np.random.default_rng(seed),
        max_pairs=None,
        max_evals=budget,
        tol=None,
        confidence=0.95,
        batch=None,
        stratify=False,
        finish_budget=budget,
    )
    if st.stop == "complete":
        return _exact_from_table(_enumerate(cv, tuple(game.players), None), n), cv.n_evals
    return st.estimate(), cv.n_evals


def run_shap_perm(f, n, budget, seed):  # noqa: ANN001, ANN201
    import shap

    cf = Counted(f)
    ex = shap.PermutationExplainer(cf, shap.maskers.Independent(np.zeros((1, n))), seed=seed)
    e = ex(np.ones((1, n)), max_evals=budget, silent=True)
    return e.values[0], cf.rows


def run_shap_kernel(f, n, budget, seed):  # noqa: ANN001, ANN201
    import shap

    cf = Counted(f)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ex = shap.KernelExplainer(cf, np.zeros((1, n)))
        v = ex.shap_values(np.ones((1, n)), nsamples=max(budget - 2, 2 * n + 2), l1_reg=False, silent=True)
    return np.asarray(v).reshape(-1)[:n], cf.rows


METHODS = {
    "workbench": lambda g, f, n, b, s: run_ours(g, n, b, s),
    "workbench, no stratification": lambda g, f, n, b, s: run_ours(g, n, b, s, stratify=False),
    "shap Permutation": lambda g, f, n, b, s: run_shap_perm(f, n, b, s),
    "shap Kernel": lambda g, f, n, b, s: run_shap_kernel(f, n, b, s),
}


def peak_mb(fn) -> float:  # noqa: ANN001
    tracemalloc.start()
    fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 2**20


def calls_to(target: float, calls: np.ndarray, errs: np.ndarray) -> tuple[float, str]:
    """Calls where the log-log error curve crosses ``target`` (extrapolated with slope −1/2 if outside)."""
    lc, le, lt = np.log(calls), np.log(errs), np.log(target)
    for i in range(len(lc) - 1):
        if (le[i] - lt) * (le[i + 1] - lt) <= 0 and le[i] != le[i + 1]:
            return float(np.exp(lc[i] + (lt - le[i]) * (lc[i + 1] - lc[i]) / (le[i + 1] - le[i]))), ""
    j = 0 if lt > le[0] else len(lc) - 1
    return float(np.exp(lc[j] + 2 * (le[j] - lt))), "~"


def exact_table() -> list[str]:
    import shap

    rows = [
        "| game | n | engine | value calls | time s | peak MB | max abs diff |",
        "|---|---|---|---|---|---|---|",
    ]
    warm = Counted(lambda x: x.sum(1).astype(float))
    shap.ExactExplainer(warm, shap.maskers.Independent(np.zeros((1, 3))))(np.ones((1, 3)), silent=True)
    for n in (10, 14, 16):
        game = random_table(n, seed=n)
        table = np.array([game(frozenset(i for i in range(n) if m >> i & 1)) for m in range(2**n)])
        powers = 1 << np.arange(n)

        def f(x: np.ndarray, table: np.ndarray = table, powers: np.ndarray = powers) -> np.ndarray:
            return table[(x.astype(np.int64) @ powers)]

        t = time.perf_counter()
        ours = shapley(game, game.players, method="exact")
        t_ours = time.perf_counter() - t
        cf = Counted(f)
        t = time.perf_counter()
        e = shap.ExactExplainer(cf, shap.maskers.Independent(np.zeros((1, n))))(np.ones((1, n)), silent=True)
        t_shap = time.perf_counter() - t
        diff = np.abs(ours.values["value"].to_numpy() - e.values[0]).max()
        m_ours = peak_mb(lambda g=game: shapley(g, g.players, method="exact"))
        masker = shap.maskers.Independent(np.zeros((1, n)))
        m_shap = peak_mb(lambda f=f, m=masker, n=n: shap.ExactExplainer(f, m)(np.ones((1, n)), silent=True))
        rows.append(
            f"| random table | {n} | workbench exact | {ours.n_evals} | {t_ours:.3f} | {m_ours:.1f} | {diff:.1e} |"
        )
        rows.append(f"| random table | {n} | shap Exact | {cf.rows} | {t_shap:.3f} | {m_shap:.1f} | |")
    return rows


def _warm_shap() -> None:
    # shap's permutation explainer compiles with numba on first use (~15 s): pay it outside the timings
    run_shap_perm(lambda x: x.sum(1).astype(float), 3, 7, 0)


def sampling_rows(kind: str, n: int, seeds: int, mults: tuple, targets: tuple) -> tuple[list[str], list[str]]:
    """Table rows and error-curve rows for one game and player count (runs in a worker process)."""
    _warm_shap()
    game, f, phi = make_game(kind, n, seed=1000 + n)
    results = {}
    curves = []
    for name, run in METHODS.items():
        calls, errs, times = [], [], []
        for m in mults:
            budget = m * (2 * n + 1)
            c, e, t = [], [], []
            for s in range(seeds):
                t0 = time.perf_counter()
                est, used = run(game, f, n, budget, s)
                t.append(time.perf_counter() - t0)
                c.append(used)
                e.append(np.abs(est - phi).max())
            calls.append(np.mean(c))
            errs.append(max(np.mean(e), 1e-15))  # runs that completed exactly have error 0
            times.append(np.mean(t))
            curves.append(f"| {kind} | {n} | {name} | {np.mean(c):.0f} | {np.mean(e):.4f} |")
        mem = peak_mb(lambda: run(game, f, n, targets[-1] * (2 * n + 1), 0))  # noqa: B023
        results[name] = (
            np.array(calls),
            np.array(errs),
            errs[mults.index(targets[-1])],
            times[mults.index(targets[-1])],
            mem,
        )
    ref_calls, ref_errs = results["shap Permutation"][:2]
    goal = [ref_errs[mults.index(m)] for m in targets]
    shap_need = [calls_to(g, ref_calls, ref_errs)[0] for g in goal]
    rows = []
    for name, (calls, errs, e_ref, t_ref, mem) in results.items():
        cells = []
        for g, ref in zip(goal, shap_need, strict=True):
            need, mark = calls_to(g, calls, errs)
            cells.append(f"{mark}{need:.0f} | {ref / need:.2f}")
        rows.append(
            f"| {kind} | {n} | {name} | {' | '.join(cells)} | {e_ref:.4f} | {t_ref:.3f} | {mem:.1f} |"
        )
    rows.append(f"| {kind} | {n} | *target max abs err* | {' | | '.join(f'{g:.4f}' for g in goal)} | | | | |")
    return rows, curves


def crossover_row(n: int, seeds: int) -> str:
    """Distinct calls ``shapley(method="permutation", tol=1% of Σ|φ|)`` spends, as a fraction of 2**n."""
    cells, used, done = [], [], 0
    for kind in ("sparse", "voting", "airport", "table"):
        mine = []
        for s in range(seeds):
            if kind == "table":
                game = random_table(n, seed=50 * n + s)
                phi = shapley(game, game.players, method="exact").values["value"].to_numpy()
            else:
                game, _, phi = make_game(kind, n, seed=50 * n + s)
            res = shapley(game, game.players, method="permutation", tol=0.01 * np.abs(phi).sum(), seed=s)
            mine.append(res.n_evals)
            done += res.stop == "complete"
        cells.append(f"{np.median(mine) / 2**n:.2f}")
        used += mine
    return f"| {n} | {2**n} | {' | '.join(cells)} | {np.median(used) / 2**n:.2f} | {done}/{len(used)} |"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--curves", action="store_true")
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    seeds = 3 if args.quick else 10
    mults = (8, 32, 128) if args.quick else (8, 16, 32, 64, 128)
    targets = (16, 64) if not args.quick else (32,)
    t0 = time.perf_counter()
    with ProcessPoolExecutor(args.workers) as pool:
        jobs = [
            pool.submit(sampling_rows, kind, n, seeds, mults, targets)
            for kind in ("sparse", "voting", "airport")
            for n in (10, 20, 30)
        ]
        cross = [pool.submit(crossover_row, n, 2 if args.quick else 4) for n in (8, 10, 11, 12, 13, 14, 16)]
        print("## Exact enumeration\n")
        print("\n".join(exact_table()))
        perms = " | ".join(f"calls to shap's err @ {2 * m} perms | × fewer" for m in targets)
        print(f"\n## Sampling at equal value-call budgets (mean over {seeds} seeds)\n")
        print(
            f"| game | n | method | {perms} | max abs err | time s | peak MB (all @ {2 * targets[-1]} perms) |"
        )
        print("|---|---|---|" + "---|---|" * len(targets) + "---|---|---|")
        curves = []
        for job in jobs:
            rows, c = job.result()
            print("\n".join(rows))
            curves += c
        if args.curves:
            print("\n| game | n | method | calls | mean max abs err |\n|---|---|---|---|---|")
            print("\n".join(curves))
        print(
            "\n## auto crossover: median distinct calls / 2**n until every 95% CI half-width < 1% of Σ|φ|\n"
        )
        print("(the sampler enumerates the rest itself once that is projected to be cheaper, so ≤ 1.00)\n")
        print("| n | 2**n (exact) | sparse | voting | airport | random table | all | runs that enumerated |")
        print("|---|---|---|---|---|---|---|---|")
        print("\n".join(job.result() for job in cross))
    print(f"\n_total {time.perf_counter() - t0:.0f} s on {args.workers} workers_")


if __name__ == "__main__":
    main()
