"""blame49 diagnosis (bench/protocol_blame49.md): which Who&When runs v11's agent choice gets wrong, and what the
culprit has that v11's runner-up lacks. Decides nothing; its counts designed look I.

    python bench/attribution_blame49_diag.py FRAME AG_DIR HC_DIR

FRAME is ``bench/attribution_blame14.py --save-frame``'s; AG_DIR and HC_DIR hold the raw Who&When records
(Algorithm-Generated: ``../shared/samples/whowhen-algorithm-generated``; Hand-Crafted: ag2ai's ``Who&When/Hand-Crafted``),
read for the speakers' order and the annotators' ``mistake_reason`` (grouped by keywords).
"""

from __future__ import annotations

import json
import re
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.model_selection import GroupKFold

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from attribution_blame44 import read_frame  # noqa: E402
from attribution_blame47 import v11_rank  # noqa: E402
from attribution_blame49 import AGG as LOOK_I_AGG  # noqa: E402
from attribution_logonly import AG, HC  # noqa: E402

from workbench.ingest.whowhen import run_id_of  # noqa: E402

TOOL = re.compile(r"computer_?terminal", re.I)
REASONS = (  # first match wins
    ("wrong code", r"code|python|import|nan values|pandas"),
    ("wrong calculation / reasoning", r"calcul|caculation|count|round|logic|reasoning"),
    (
        "concluded / assumed without checking",
        r"verif|without.*(action|verif)|directly|assum|fabricat|conclusion",
    ),
    (
        "retrieval failed / wrong information",
        r"search|information|retriev|locate|extract|return|access|find|useful|query",
    ),
    ("bad plan / instruction", r"plan|instruct|replan|direction"),
)
# per-agent aggregates compared between the culprit and the other of v11's top two: look I's nine and four whose
# sign flipped between the systems
AGG = {**LOOK_I_AGG, "agent_final_relay": "max", "has_code": "max", "is_last": "max", "after_tool": "max"}


def reason_group(text: str) -> str:
    t = text.lower()
    return next((g for g, rx in REASONS if re.search(rx, t)), "factual error / other")


def picks(X: pd.DataFrame, labels: pd.DataFrame, ag: list[str], hc: list[str]) -> pd.DataFrame:
    """v11's first and second agent per run on Alg-Gen CV (blame44's folds) and Alg-Gen -> Hand-Crafted."""
    rows = []

    def collect(split: str, train: list[str], test: list[str]) -> None:
        _, a = v11_rank(X, labels, train, test)
        top = a[a["rank"] == 1].drop_duplicates("run_id").set_index("run_id")["agent"]
        sec = a[a["rank"] == 2].drop_duplicates("run_id").set_index("run_id")["agent"]
        rows.extend((split, r, top.get(r), sec.get(r)) for r in test)

    ids = np.asarray(ag)
    for tr, te in GroupKFold(n_splits=5).split(ids, groups=ids):
        collect("CV", list(ids[tr]), list(ids[te]))
    collect("AG->HC", ag, hc)
    D = pd.DataFrame(rows, columns=["split", "run_id", "pick", "second"])
    first = labels[labels["first"]].set_index("run_id")["agent"]
    D["culprit"] = D["run_id"].map(first)
    return D


def describe(D: pd.DataFrame, raw: dict[str, dict]) -> pd.DataFrame:
    out = []
    for d in D.itertuples():
        r = raw[d.run_id]
        h, k = r["history"], int(r["mistake_step"])
        names = [t.get("name") or t.get("role") for t in h]
        speakers = [x for x in names if x and not TOOL.search(x) and x not in ("human", "user")]
        first_c = names.index(d.culprit) if d.culprit in names else -1
        first_p = names.index(d.pick) if d.pick in names else -1
        out.append(
            {
                "split": d.split,
                "right": d.pick == d.culprit,
                "culprit second": d.second == d.culprit,
                "pick spoke before the culprit": d.pick != d.culprit and first_p < first_c,
                "decisive move right after an executor output": k > 0
                and bool(TOOL.search(str(names[k - 1]))),
                "culprit is the first speaker": speakers[:1] == [d.culprit],
                "culprit a verification role (name)": bool(re.search("verif|valid", str(d.culprit), re.I)),
                "reason": reason_group(r["mistake_reason"]),
                "culprit": d.culprit,
                "pick": d.pick,
            }
        )
    return pd.DataFrame(out)


def runner_up(X: pd.DataFrame, D: pd.DataFrame) -> pd.DataFrame:
    """Per aggregate and split: runs whose culprit is in v11's top two where it is higher / lower than the other."""
    agg = X[X["agent"].notna()].groupby(["run_id", "agent"]).agg(**{c: (c, how) for c, how in AGG.items()})
    rows = []
    for split, S in D[
        D["second"].notna() & ((D["pick"] == D["culprit"]) | (D["second"] == D["culprit"]))
    ].groupby("split"):
        for c in AGG:
            hi = lo = 0
            for d in S.itertuples():
                other = d.second if d.pick == d.culprit else d.pick
                if (d.run_id, d.culprit) in agg.index and (d.run_id, other) in agg.index:
                    a, b = agg.at[(d.run_id, d.culprit), c], agg.at[(d.run_id, other), c]
                    hi, lo = hi + (a > b), lo + (a < b)
            rows.append({"split": split, "aggregate": c, "culprit higher / lower": f"{hi} / {lo}"})
    return pd.DataFrame(rows).pivot(index="aggregate", columns="split", values="culprit higher / lower")


def main() -> None:
    warnings.filterwarnings("ignore")
    X, labels = read_frame(Path(sys.argv[1]))
    raw = {}
    for d in sys.argv[2:4]:
        for f in sorted(Path(d).glob("*.json")):
            rec = json.loads(f.read_text())
            raw[run_id_of(rec)] = rec
    sys_of = X.drop_duplicates("run_id").set_index("run_id")["system"]
    ag, hc = sorted(sys_of.index[sys_of == AG]), sorted(sys_of.index[sys_of == HC])
    missing = [r for r in ag + hc if r not in raw]
    if missing:
        raise SystemExit(f"{len(missing)} runs of the frame have no raw record in {sys.argv[2:4]}")
    D = picks(X, labels, ag, hc)
    runs = describe(D, raw)
    pd.set_option("display.width", 200)
    flags = [c for c in runs.columns if c not in ("split", "right", "reason", "culprit", "pick")]
    for split, S in runs.groupby("split", sort=False):
        print(f"## {split}: {int(S['right'].sum())} right, {int((~S['right']).sum())} missed")
        print(
            pd.DataFrame({"misses": S.loc[~S["right"], flags].sum(), "hits": S.loc[S["right"], flags].sum()})
        )
        print(pd.crosstab(S["reason"], S["right"].map({True: "hit", False: "miss"})))
        print(S[~S["right"]].groupby(["culprit", "pick"]).size().sort_values(ascending=False).head(5))
    print("## culprit against the other of v11's top two (runs whose culprit is in it)")
    print(runner_up(X, D))


if __name__ == "__main__":
    main()
