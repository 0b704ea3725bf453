"""r10 / r11 of bench/protocol_blame19.md: a within-system lexical move scorer (harness only)."""
import sys, warnings
import numpy as np, pandas as pd
sys.path.insert(0, "/work/wt/blame19/bench"); sys.path.insert(0, "/work/wt/blame19")
from attribution_blame19 import AG, V10, BlameModel, GroupKFold, _GivenPrior, _metrics, refine_params
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
warnings.simplefilter("ignore")
X = pd.read_parquet("/tmp/blame18/k.X.parquet"); L = pd.read_parquet("/tmp/blame18/k.labels.parquet")
T = pd.read_parquet("/tmp/blame19/ag_text.parquet")
text = X[["run_id", "step_id"]].merge(T, on=["run_id", "step_id"], how="left")["output"].fillna("").str.lower().to_numpy()
X = X.assign(_text=text)
target = set(zip(L["run_id"], L["step_id"]))


def lex_fit(runs):
    tr = X[X["run_id"].isin(runs)]
    y = np.array([(r, s) in target for r, s in zip(tr["run_id"], tr["step_id"])])
    vec = TfidfVectorizer(ngram_range=(1, 2), min_df=3, sublinear_tf=True)
    lr = LogisticRegression(C=1.0, max_iter=2000).fit(vec.fit_transform(tr["_text"]), y)
    return lambda Z: lr.decision_function(vec.transform(Z["_text"]))


def with_lex(runs_train, frame_runs):
    """lex_logit on the training runs out of fold (inner 5 folds), on other runs from a fit on all of them."""
    out = pd.Series(np.nan, index=X.index)
    tr = sorted(runs_train)
    for a, b in GroupKFold(n_splits=5).split(tr, groups=tr):
        f = lex_fit([tr[i] for i in a]); held = X["run_id"].isin([tr[i] for i in b])
        out[held] = f(X[held])
    f = lex_fit(tr); other = X["run_id"].isin(frame_runs) & ~X["run_id"].isin(tr)
    out[other] = f(X[other])
    return out


class Lex(_GivenPrior):
    def _feature_list(self):
        return super()._feature_list() + ["lex_logit"]


sys_of = X.drop_duplicates("run_id").set_index("run_id")["system"]
every = sorted(sys_of.index); ag = sorted(sys_of.index[sys_of == AG])
p10, p11 = [], []
for tr, te in GroupKFold(n_splits=5).split(ag, groups=ag):
    train, test = [ag[i] for i in tr], [ag[i] for i in te]
    lex = with_lex(train, test)
    Xl = X.assign(lex_logit=lex)
    rest = [r for r in every if r not in set(test)]
    prior = BlameModel(**V10).fit_frame(X[X["run_id"].isin(rest)], L[L["run_id"].isin(rest)])
    m = Lex(**refine_params()); m.given_prior = prior
    m.fit_frame(Xl[Xl["run_id"].isin(train)], L[L["run_id"].isin(train)])
    names = list(m.feature_names_in_)
    print("fold: lex_logit weight", round(m.step_model_.coef[names.index("lex_logit")], 3),
          "prior_logit", round(m.step_model_.coef[names.index("prior_logit")], 3))
    steps, agents = m.rank_frame(Xl[Xl["run_id"].isin(test)])
    p10.append(_metrics(L[L["run_id"].isin(test)], steps, agents, 3, 2))
    # r11: the lexical scorer alone (agents by their best move, talkers only, as the model does)
    from workbench.attribution._heuristics import rank_agents, rank_steps
    Xt = Xl[Xl["run_id"].isin(test)]
    s = Xt[["run_id", "step_id", "agent", "kind", "pos"]].assign(logit=Xt["lex_logit"].to_numpy())
    s["score"] = 1 / (1 + np.exp(-s["logit"])); s = rank_steps(s)
    p11.append(_metrics(L[L["run_id"].isin(test)], s, rank_agents(s, talkers_only=True), 3, 2))
for name, parts in (("r10 refine + lex_logit", p10), ("r11 lexical scorer alone", p11)):
    n, ns = sum(p["runs"] for p in parts), sum(p["step_runs"] for p in parts)
    print(f"| {name} | {n} | {sum(p['runs'] * p['agent_acc'] for p in parts) / n:.3f} | "
          f"{sum(p['step_runs'] * p['step_acc'] for p in parts) / ns:.3f} |")
