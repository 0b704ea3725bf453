"""blame48 (bench/protocol_blame48.md): the step of a one-agent run, trained only on what ships, scored on TRAIL.

    python bench/attribution_trail48.py FRAME STORES      # looks N, W, E
    python bench/attribution_trail48.py FRAME STORES F    # addendum F's checks
    python bench/attribution_trail48.py FRAME STORES G    # addendum G: F without the run-position features

FRAME is the pretrained pool's feature table (``bench/attribution_blame14.py --save-frame``: Who&When, simulator,
AEGIS, tau-bench); STORES holds ``{gaia,swe}.duckdb`` (``bench/attribution_trail46.py build``). Looks N (v11 with the
agent-position features neutral), W (a within-agent step scorer) and E (span evidence first, ties by W) change only
the step of runs with one candidate agent; P is v11 as shipped. Prints the TRAIL table (beside the trivial and
uniform rankings), the Who&When step gate, and the evidence flags' annotated shares.
"""

from __future__ import annotations

import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from attribution_blame31 import V11  # noqa: E402
from attribution_blame44 import read_frame, splits  # noqa: E402
from attribution_logonly import AG, HC  # noqa: E402
from attribution_trail46 import SPLITS, _hit_chance, _kinds, _scorable, _trivial  # noqa: E402

import workbench as wb  # noqa: E402
from workbench.attribution import BlameModel  # noqa: E402
from workbench.attribution._blame_params import run_weights, system_weights  # noqa: E402
from workbench.attribution._linear import LinearScorer  # noqa: E402

# N's list (the protocol's): where a move sits in its agent's sequence, and the "first in the run" lifts
NEUTRAL = (
    "first_of_agent",
    "first_model_turn",
    "model_rank",
    "model_rank_rel",
    "agent_move_idx",
    "agent_turn",
    "handoff_in",
    "handoff_out",
    "first_numbers",
    "first_code",
    "final_origin_first",
    "agent_order",
    "agent_order_rel",
    "agent_first_rel",
)
# G's (addendum G): N's list and where the move sits in the run (in a one-agent run, in its agent's sequence again)
NEUTRAL_G = (*NEUTRAL, "position", "rel_pos", "pos_from_end", "is_last", "since_first_error", "n_moves")
FLAGS = {
    "own error": lambda X: X["is_error"].fillna(0) == 1,
    "failure ignored / retried": lambda X: (
        (X["after_tool_fail"].fillna(0) == 1) | (X["is_retry"].fillna(0) == 1)
    ),
    "repeated identical call": lambda X: X["same_call"].fillna(0) >= 2,
    "final answer rests on it": lambda X: X["final_origin"].fillna(0) > 0,
}


def one_agent_runs(agents: pd.DataFrame) -> set[str]:
    named = agents[agents["agent"].notna() & (agents["agent"] != "<none>")]
    n = named.groupby("run_id")["agent"].size()
    return set(n.index[n == 1])


def model_call_runs(X: pd.DataFrame) -> set[str]:
    """Addendum F's narrowing: runs with at least one model call (frame kind ``llm``)."""
    return set(X.loc[X["kind"] == "llm", "run_id"])


def neutral_logit(model: BlameModel, X: pd.DataFrame) -> np.ndarray:
    """v11's step log-odds with N's features at their training mean (z = 0) and no value_prior lift."""
    names = list(model.feature_names_in_)
    Z = model.step_model_._z(X[names].to_numpy(dtype=np.float64))
    Z[:, [i for i, n in enumerate(names) if n in NEUTRAL]] = 0.0
    return Z @ model.step_model_.coef + model.step_model_.intercept


def fit_within(X: pd.DataFrame, labels: pd.DataFrame, names: list[str]) -> LinearScorer:
    """W: the labelled culprit agent's moves of runs whose label names a step; target the labelled step."""
    lab = labels.dropna(subset=["step_id"])
    pairs = set(zip(lab["run_id"], lab["agent"].astype(object), strict=True))
    steps = set(zip(lab["run_id"], lab["step_id"].astype(object), strict=True))
    rows = X[[(r, a) in pairs for r, a in zip(X["run_id"], X["agent"], strict=True)]]
    y = np.fromiter(
        ((r, s) in steps for r, s in zip(rows["run_id"], rows["step_id"], strict=True)), bool, len(rows)
    )
    keep = rows["run_id"].isin(rows.loc[y, "run_id"]).to_numpy()
    rows, y = rows.loc[keep], y[keep]
    w = system_weights(rows["system"], run_weights(rows["run_id"], y, 0.5))
    print(f"  W fitted on {rows['run_id'].nunique()} runs, {len(rows)} moves", file=sys.stderr)
    return LinearScorer.fit(rows[names].to_numpy(dtype=np.float64), y, 0.1, sample_weight=w)


def look_scores(
    model: BlameModel, within: LinearScorer, wnames: list[str], X: pd.DataFrame
) -> dict[str, pd.DataFrame]:
    """Per look, X's rows (run_id, step_id, pos) with a sort key; rank 1 = the first after sorting."""
    base = X[["run_id", "step_id", "pos"]].reset_index(drop=True)
    w = within.decision_function(X[wnames].to_numpy(dtype=np.float64))
    flags = sum(f(X).to_numpy().astype(int) for f in FLAGS.values())
    return {
        "N": base.assign(k1=neutral_logit(model, X), k2=0.0),
        "W": base.assign(k1=w, k2=0.0),
        "E": base.assign(k1=flags.astype(float), k2=w),
    }


def ranked(keys: pd.DataFrame) -> pd.DataFrame:
    """rank within each run: higher k1, then higher k2, then the earlier move (``rank_steps``'s tie rule)."""
    out = keys.sort_values(["run_id", "k1", "k2", "pos"], ascending=[True, False, False, True], kind="stable")
    out["rank"] = out.groupby("run_id").cumcount() + 1
    return out


def with_look(v11_steps: pd.DataFrame, look: pd.DataFrame, scope: set[str]) -> pd.DataFrame:
    """v11's ranked steps with the look's ranks on the runs in scope."""
    keep = v11_steps[~v11_steps["run_id"].isin(scope)][["run_id", "step_id", "rank"]]
    new = ranked(look[look["run_id"].isin(scope)])[["run_id", "step_id", "rank"]]
    return pd.concat([keep, new], ignore_index=True)


def topk(steps: pd.DataFrame, truth: dict[str, set], runs: list[str]) -> tuple[float, float]:
    by = steps.sort_values(["run_id", "rank"]).groupby("run_id")["step_id"].apply(list)
    t1 = [by.get(r, [None])[0] in truth[r] for r in runs]
    t3 = [any(s in truth[r] for s in by.get(r, [])[:3]) for r in runs]
    return float(np.mean(t1)), float(np.mean(t3))


def trail(X_pool: pd.DataFrame, labels: pd.DataFrame, stores: Path) -> None:
    pre = BlameModel.pretrained()
    wnames = [n for n in pre.feature_names_in_ if n not in NEUTRAL]
    within = fit_within(X_pool, labels, wnames)
    frames, rows = {}, []
    for n in SPLITS:
        ws = wb.open(str(stores / f"{n}.duckdb"), read_only=True)
        runs, info = _scorable(ws)
        X = pre.frame(ws)
        X = X[X["run_id"].isin(runs)].reset_index(drop=True)
        steps, agents = pre.rank_frame(X)
        scope = one_agent_runs(agents) & set(runs)
        kinds = _kinds(ws)
        frames[n] = (kinds, runs)
        truth = kinds[kinds["err"]].groupby("run_id")["step_id"].agg(set).to_dict()
        print(f"{n}: {info}; one-agent (in scope) {len(scope)} of {len(runs)}", file=sys.stderr)
        p = topk(steps, truth, runs)
        rows.append(
            {
                "ranking": "P: pretrained v11 (as shipped)",
                "on": n,
                "in scope": len(scope),
                "top1": p[0],
                "top3": p[1],
            }
        )
        for name, keys in look_scores(pre, within, wnames, X).items():
            t = topk(with_look(steps, keys, scope), truth, runs)
            s = topk(with_look(steps, keys, scope), truth, sorted(scope)) if scope else (np.nan, np.nan)
            rows.append(
                {
                    "ranking": name,
                    "on": n,
                    "in scope": len(scope),
                    "top1": t[0],
                    "top3": t[1],
                    "top1 in scope": s[0],
                    "top3 in scope": s[1],
                }
            )
        # diagnostics: annotated share of the moves with / without each evidence flag
        lab = X[["run_id", "step_id"]].merge(
            kinds[["run_id", "step_id", "err"]], on=["run_id", "step_id"], how="left"
        )
        err = lab["err"].fillna(False).astype(bool).to_numpy()
        for f, fn in FLAGS.items():
            m = fn(X).to_numpy()
            print(
                f"  {n} flag {f!r}: {int(m.sum())} moves, annotated {err[m].mean() if m.any() else float('nan'):.3f}"
                f" vs {err[~m].mean():.3f} without",
                file=sys.stderr,
            )
        ws.close()
    rows += bars(frames)
    print(pd.DataFrame(rows).round(3).to_string(index=False))


def bars(frames: dict[str, tuple[pd.DataFrame, list[str]]]) -> list[dict]:
    """Per TRAIL split the trivial ranking (kind from the other split) and the uniformly random row."""
    other, rows = {"gaia": "swe", "swe": "gaia"}, []
    for n in SPLITS:
        (kinds, runs), (okinds, oruns) = frames[n], frames[other[n]]
        test = kinds[kinds.run_id.isin(runs)]
        kind, tr = _trivial(okinds[okinds.run_id.isin(oruns)], test)
        rows.append({"ranking": f"trivial: random {kind} span (kind from {other[n]})", "on": n, **tr})
        u = _hit_chance(test, pd.Series(False, index=test.index))
        rows.append({"ranking": "uniformly random row", "on": n, **u})
    return rows


def whowhen_plan(X: pd.DataFrame, labels: pd.DataFrame) -> tuple[list, pd.Series, pd.Series]:
    """The Who&When gate's splits (Alg-Gen CV folds, Alg-Gen -> Hand-Crafted, Hand-Crafted -> Alg-Gen) and each
    run's labelled steps and agents."""
    sys_of = X.drop_duplicates("run_id").set_index("run_id")["system"]
    ag, hc = sorted(sys_of.index[sys_of == AG]), sorted(sys_of.index[sys_of == HC])
    plan = [s for s in splits(X) if s[0].startswith("cv") or s[0] == "ag->hc"] + [("hc->ag", hc, ag)]
    ls = labels.groupby("run_id")["step_id"].apply(lambda s: set(s.dropna().astype(object)))
    la = labels.groupby("run_id")["agent"].apply(lambda s: set(s.dropna().astype(object)))
    return plan, ls, la


def whowhen(X: pd.DataFrame, labels: pd.DataFrame) -> None:
    plan, ls, la = whowhen_plan(X, labels)
    res: dict[str, dict[str, list]] = {}
    for name, train, test in plan:
        m = BlameModel(**{**V11, "calibration_cv": None}).fit_frame(
            X[X["run_id"].isin(train)], labels[labels["run_id"].isin(train)]
        )
        Xt = X[X["run_id"].isin(test)].reset_index(drop=True)
        steps, agents = m.rank_frame(Xt)
        wnames = [n for n in m.feature_names_in_ if n not in NEUTRAL]
        within = fit_within(X[X["run_id"].isin(train)], labels[labels["run_id"].isin(train)], wnames)
        scope = one_agent_runs(agents)
        top_agent = agents[agents["rank"] == 1].drop_duplicates("run_id").set_index("run_id")["agent"]
        key = "cv" if name.startswith("cv") else name
        r = res.setdefault(key, {"runs": [], "scope": [], "agent": []})
        r["runs"] += list(test)
        r["scope"] += [t for t in test if t in scope]
        r["agent"] += [top_agent.get(t) in la.get(t, set()) for t in test]
        looks = {
            "v11": steps[["run_id", "step_id", "rank"]],
            **{k: with_look(steps, v, scope) for k, v in look_scores(m, within, wnames, Xt).items()},
        }
        for k, s in looks.items():
            first = s[s["rank"] == 1].set_index("run_id")["step_id"]
            r.setdefault(k, [])
            r[k] += [first.get(t) in ls.get(t, set()) for t in test]
    rows = []
    for key, r in res.items():
        rows.append(
            {
                "split": key,
                "runs": len(r["runs"]),
                "one-agent runs": len(r["scope"]),
                "agents right (all looks)": sum(r["agent"]),
                **{f"{k} steps": sum(r[k]) for k in ("v11", "N", "W", "E")},
            }
        )
    print(pd.DataFrame(rows).to_string(index=False))


def addendum_f(X_pool: pd.DataFrame, labels: pd.DataFrame, stores: Path, neutral: tuple = NEUTRAL) -> None:
    """F = W on one-agent runs with a model call (G: W without ``NEUTRAL_G``): the checks the addenda declare."""
    from attribution_trail46 import generated_store

    pre = BlameModel.pretrained()
    wnames = [n for n in pre.feature_names_in_ if n not in neutral]
    within = fit_within(X_pool, labels, wnames)
    frames = {}
    for n in SPLITS:  # TRAIL: every run in W's scope has a model call (then F's figures are W's)
        ws = wb.open(str(stores / f"{n}.duckdb"), read_only=True)
        runs, _ = _scorable(ws)
        X = pre.frame(ws)
        X = X[X["run_id"].isin(runs)].reset_index(drop=True)
        steps, agents = pre.rank_frame(X)
        scope = one_agent_runs(agents) & model_call_runs(X) & set(runs)
        print(
            f"TRAIL {n}: one-agent {len(one_agent_runs(agents) & set(runs))}, with a model call {len(scope)}"
        )
        kinds = _kinds(ws)
        frames[n] = (kinds, runs)
        truth = kinds[kinds["err"]].groupby("run_id")["step_id"].agg(set).to_dict()
        f = with_look(steps, look_scores(pre, within, wnames, X)["W"], scope)
        print(f"  {n}: look top1/top3 {topk(f, truth, runs)}; in scope {topk(f, truth, sorted(scope))}")
        ws.close()
    for row in bars(frames):
        print(f"  {row}")
    # the pool: runs F would change (one candidate agent under v11 fitted on the pool, and a model call)
    _, agents = pre.rank_frame(X_pool)
    pool_scope = one_agent_runs(agents) & model_call_runs(X_pool)
    sys_of = X_pool.drop_duplicates("run_id").set_index("run_id")["system"]
    print(
        f"pool: one-agent runs {len(one_agent_runs(agents))}, in F's scope {len(pool_scope)} "
        f"{sys_of.reindex(sorted(pool_scope)).value_counts().to_dict()}"
    )
    if pool_scope:
        steps, _ = pre.rank_frame(X_pool[X_pool["run_id"].isin(pool_scope)])
        Xs = X_pool[X_pool["run_id"].isin(pool_scope)].reset_index(drop=True)
        truth = labels.dropna(subset=["step_id"]).groupby("run_id")["step_id"].agg(set).to_dict()
        runs = sorted(r for r in pool_scope if r in truth)
        f = with_look(steps, look_scores(pre, within, wnames, Xs)["W"], pool_scope)
        print(
            f"pool in scope, step-labelled {len(runs)}: v11 {topk(steps, truth, runs)}, F {topk(f, truth, runs)}"
        )
    # generated span trees (never in the pool)
    gen = generated_store()
    X = pre.frame(gen)
    steps, agents = pre.rank_frame(X)
    scope = one_agent_runs(agents) & model_call_runs(X)
    kinds = _kinds(gen)
    truth = kinds[kinds["err"]].groupby("run_id")["step_id"].agg(set).to_dict()
    runs = sorted(truth)
    f = with_look(steps, look_scores(pre, within, wnames, X.reset_index(drop=True))["W"], scope)
    test = kinds[kinds.run_id.isin(runs)]
    u = _hit_chance(test, pd.Series(False, index=test.index))
    print(
        f"generated: {len(runs)} labelled traces, {len(scope)} in F's scope; P top1/top3 {topk(steps, truth, runs)}; "
        f"F {topk(f, truth, runs)}; uniform {u['top1']:.3f} / {u['top3']:.3f}"
    )


def main() -> None:
    warnings.filterwarnings("ignore")
    c0 = time.process_time()
    X, labels = read_frame(Path(sys.argv[1]))
    if sys.argv[3:] == ["F"]:
        addendum_f(X, labels, Path(sys.argv[2]))
    elif sys.argv[3:] == ["G"]:
        addendum_f(X, labels, Path(sys.argv[2]), NEUTRAL_G)
    else:
        trail(X, labels, Path(sys.argv[2]))
        whowhen(X, labels)
    print(f"CPU {time.process_time() - c0:.1f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
