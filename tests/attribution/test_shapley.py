"""The Shapley engine: exact enumeration, stratified antithetic sampling, budgets, caching, errors."""

from __future__ import annotations

import dataclasses
import doctest

import numpy as np
import pandas as pd
import pytest

from workbench.attribution import _shapley, _shapley_perm
from workbench.attribution._games import (
    additive,
    airport,
    glove,
    random_sparse_interaction,
    random_table,
    security_council,
    sparse_interaction,
    unanimity,
    weighted_voting,
)
from workbench.attribution._shapley import AUTO_EXACT_MAX_PLAYERS, ShapleyResult, shapley
from workbench.attribution._shapley_perm import latin_round
from workbench.exceptions import InvalidParameterError, WorkbenchError


def truth(game) -> np.ndarray:  # noqa: ANN001
    return np.array([game.shapley_values[p] for p in game.players])


def values(res: ShapleyResult) -> np.ndarray:
    return res.values["value"].to_numpy()


class Counting:
    """A value function that records every call."""

    def __init__(self, game) -> None:  # noqa: ANN001
        self.game, self.calls = game, []

    def __call__(self, s: frozenset) -> float:
        self.calls.append(s)
        return self.game(s)


# --- exact ------------------------------------------------------------------------------------------

CLOSED_FORM = {
    "voting_50_49_1": lambda: weighted_voting([50, 49, 1], quota=51),
    "security_council": security_council,
    "voting_random": lambda: weighted_voting(list(np.random.default_rng(0).integers(1, 20, 11)), quota=55),
    "glove": lambda: glove(["l1", "l2", "l3"], ["r1", "r2", "r3", "r4", "r5"]),
    "airport": lambda: airport([2.0, 7.0, 1.0, 4.0, 4.0, 9.5, 3.0, 8.0, 0.5]),
    "unanimity": lambda: unanimity({"x", "z"}, ["w", "x", "y", "z"]),
    "sparse": lambda: random_sparse_interaction(10, seed=5),
    "additive": lambda: additive([3.0, -1.0, 0.5, 2.0]),
}


@pytest.mark.parametrize("name", sorted(CLOSED_FORM))
def test_exact_matches_closed_form(name: str) -> None:
    game = CLOSED_FORM[name]()
    res = shapley(game, game.players, method="exact")
    np.testing.assert_allclose(values(res), truth(game), rtol=0, atol=1e-12)
    assert res.method == "exact" and res.stop == "exact" and res.n_permutations == 0
    assert res.n_evals == 2 ** len(game.players)


def test_exact_efficiency_and_frame() -> None:
    game = random_table(10, seed=4)
    res = shapley(game, game.players, method="exact")
    assert abs(values(res).sum() - (res.v_all - res.v_empty)) < 1e-9
    assert res.v_all == game(frozenset(range(10))) and res.v_empty == 0.0
    frame = res.to_frame()
    assert list(frame.columns) == ["player", "value", "std_err", "ci_low", "ci_high"]
    assert list(frame["player"]) == list(range(10))
    assert (frame["std_err"] == 0).all()
    assert (frame["ci_low"] == frame["value"]).all() and (frame["ci_high"] == frame["value"]).all()
    frame.loc[0, "value"] = 99.0  # a copy: the result is a value object
    assert res.values.loc[0, "value"] != 99.0
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.n_evals = 0


def _shap_loops_as_python(monkeypatch: pytest.MonkeyPatch) -> None:
    """shap's ExactExplainer with its numba loops (explainer, masked model, masker) run as the Python they are
    written in (``py_func``): the same algorithm, without compiling it first (~10 CPU s in every worker that ran
    this test, for tables of at most 2**9 rows). shap.links stays as it is: the explainer compares the link it
    was given with ``links.identity`` by identity."""
    from numba.core.registry import CPUDispatcher
    from shap.explainers import _exact
    from shap.maskers import _tabular
    from shap.utils import _masked_model

    for module in (_exact, _tabular, _masked_model):
        for name, obj in list(vars(module).items()):
            if isinstance(obj, CPUDispatcher):
                monkeypatch.setattr(module, name, obj.py_func)


def test_agrees_with_shap_exact_explainer(monkeypatch: pytest.MonkeyPatch) -> None:
    shap = pytest.importorskip("shap")
    _shap_loops_as_python(monkeypatch)
    for n, seed in ((4, 0), (7, 1), (9, 2)):
        game = random_table(n, seed=seed)
        powers = 1 << np.arange(n)
        table = np.array([game(frozenset(i for i in range(n) if m >> i & 1)) for m in range(2**n)])

        def f(x: np.ndarray, table: np.ndarray = table, powers: np.ndarray = powers) -> np.ndarray:
            return table[x.astype(np.int64) @ powers]  # a 0/1 row is the coalition of its ones

        # masked features take the background (0): the model sees exactly coalition S
        explainer = shap.ExactExplainer(f, shap.maskers.Independent(np.zeros((1, n))))
        theirs = explainer(np.ones((1, n)), silent=True).values[0]
        ours = shapley(game, game.players, method="exact")
        np.testing.assert_allclose(values(ours), theirs, rtol=0, atol=1e-9)


# --- sampling ---------------------------------------------------------------------------------------


def test_latin_round_puts_every_player_everywhere() -> None:
    rng = np.random.default_rng(0)
    for n, reps in ((2, 1), (7, 2), (10, 1), (31, 2)):
        perms = latin_round(n, rng)
        both = np.vstack([perms, perms[:, ::-1]])
        assert all(sorted(row) == list(range(n)) for row in both)
        pos = np.argsort(both, axis=1)
        for x in range(n):
            assert np.bincount(pos[:, x], minlength=n).tolist() == [reps] * n


def test_permutation_is_unbiased_with_calibrated_intervals() -> None:
    # 50 seeds x 16 players: the 95% intervals must cover the closed-form value about 95% of the time
    for game in (
        random_sparse_interaction(16, seed=11),
        airport(list(np.random.default_rng(2).uniform(1, 9, 16))),
    ):
        phi, covered, errors = truth(game), [], []
        for seed in range(50):
            res = shapley(game, game.players, method="permutation", n_samples=160, seed=seed)
            frame = res.values
            # 1e-12: a player whose contribution is the same in every round has a zero-width interval
            covered.append((frame["ci_low"] - 1e-12 <= phi) & (phi <= frame["ci_high"] + 1e-12))
            errors.append(values(res) - phi)
        coverage = float(np.mean(covered))
        assert 0.85 <= coverage <= 0.995, coverage
        bias = np.mean(errors, axis=0)
        assert np.abs(bias).max() < 4 * np.std(errors, axis=0).max() / np.sqrt(50)


def test_permutation_converges() -> None:
    game = random_sparse_interaction(24, seed=7)
    phi = truth(game)

    def rmse(budget: int) -> float:
        errs = [
            values(shapley(game, game.players, method="permutation", max_evals=budget, seed=s)) - phi
            for s in range(8)
        ]
        return float(np.sqrt(np.mean(np.square(errs))))

    small, large = rmse(1500), rmse(12000)
    assert large < 0.6 * small  # 8x the calls: about 1/sqrt(8) = 0.35 the error


def test_tol_stops_when_every_interval_is_narrow() -> None:
    game = random_sparse_interaction(20, seed=2)
    res = shapley(game, game.players, method="permutation", tol=0.05, seed=0)
    assert res.stop == "tol"
    half = (res.values["ci_high"] - res.values["ci_low"]) / 2
    assert (half < 0.05).all()
    assert np.abs(values(res) - truth(game)).max() < 0.15


def test_sampled_values_are_efficient() -> None:
    game = random_sparse_interaction(25, seed=9)
    res = shapley(game, game.players, method="permutation", n_samples=40, seed=1)
    assert abs(values(res).sum() - (res.v_all - res.v_empty)) < 1e-9


def test_pairwise_games_are_exact_from_one_antithetic_pair() -> None:
    # a permutation and its reverse cancel every interaction of order <= 2
    names = list("abcdefgh")
    pairs = [({"a", "b"}, 2.0), ({"c", "h"}, -1.0), ({"b", "g"}, 0.5)]
    game = sparse_interaction([({p}, float(i)) for i, p in enumerate(names)] + pairs, names)
    res = shapley(game, names, method="permutation", n_samples=2, seed=3)
    np.testing.assert_allclose(values(res), truth(game), atol=1e-12)
    assert res.n_permutations == 2


def test_same_seed_same_result() -> None:
    game = random_sparse_interaction(18, seed=0)
    a = shapley(game, game.players, method="permutation", n_samples=60, seed=42)
    b = shapley(game, game.players, method="permutation", n_samples=60, seed=42)
    c = shapley(game, game.players, method="permutation", n_samples=60, seed=43)
    pd.testing.assert_frame_equal(a.values, b.values)
    assert a.n_evals == b.n_evals
    assert not np.array_equal(values(a), values(c))
    rng = np.random.default_rng(5)  # a Generator is accepted too
    assert shapley(game, game.players, method="permutation", n_samples=4, seed=rng).n_permutations == 4


# --- accounting, budgets, auto ---------------------------------------------------------------------


def test_each_coalition_is_evaluated_once_and_counted() -> None:
    game = Counting(random_sparse_interaction(14, seed=1))
    res = shapley(game, list(range(14)), method="permutation", n_samples=200, seed=0)
    assert len(game.calls) == len(set(game.calls)) == res.n_evals
    assert res.n_permutations == 200


def test_shared_cache_makes_repeats_free() -> None:
    game = Counting(random_table(8, seed=0))
    cache: dict = {}
    first = shapley(game, list(range(8)), method="exact", cache=cache)
    assert first.n_evals == 256 and len(cache) == 256
    again = shapley(game, list(range(8)), method="exact", cache=cache)
    assert again.n_evals == 0 and len(game.calls) == 256
    np.testing.assert_array_equal(values(first), values(again))
    sampled = shapley(game, list(range(8)), method="permutation", n_samples=20, seed=0, cache=cache)
    assert sampled.n_evals == 0 and len(game.calls) == 256


def test_max_evals_is_never_exceeded() -> None:
    game = random_sparse_interaction(30, seed=4)
    for budget in (60, 500, 2001):
        res = shapley(game, game.players, method="permutation", max_evals=budget, seed=0)
        assert res.n_evals <= budget and res.stop == "max_evals"
        assert budget - res.n_evals < 2 * 30  # stops only when the next pair would not fit


def test_small_games_finish_exactly_when_that_is_cheaper() -> None:
    game = weighted_voting([5, 4, 3, 3, 2, 1, 1], quota=10)
    res = shapley(game, game.players, method="permutation", max_evals=1000, seed=0)
    assert res.method == "exact" and res.stop == "complete" and res.n_evals == 2**7
    np.testing.assert_allclose(values(res), truth(game), atol=1e-12)
    one = shapley(lambda s: 3.0 * len(s) + 1, ["solo"], method="permutation", seed=0)
    assert values(one).tolist() == [3.0] and one.method == "exact"
    # no structure and a tight tol: sampling projects it would cost more than the 2**10 coalitions
    table = random_table(10, seed=1)
    res = shapley(table, table.players, method="permutation", tol=1e-3, seed=0)
    assert res.stop == "complete" and res.n_evals == 2**10
    np.testing.assert_allclose(values(res), values(shapley(table, table.players)), atol=1e-12)


def test_players_keep_their_order_and_type() -> None:
    res = shapley(lambda s: float(sum(s)), np.arange(5, 0, -1))
    assert list(res.values["player"]) == [5, 4, 3, 2, 1]
    np.testing.assert_allclose(values(res), [5, 4, 3, 2, 1], atol=1e-12)


def test_auto_switches_to_sampling_above_the_crossover() -> None:
    small = random_sparse_interaction(AUTO_EXACT_MAX_PLAYERS, seed=0)
    assert shapley(small, small.players).method == "exact"
    big = random_sparse_interaction(AUTO_EXACT_MAX_PLAYERS + 1, seed=0)
    res = shapley(big, big.players, seed=0)
    assert res.method == "permutation" and res.stop == "n_samples"
    assert res.n_permutations == _shapley.DEFAULT_ROUNDS * 2 * len(big.players)
    assert shapley(small, small.players, max_evals=1000, seed=0).method == "permutation"


def test_exact_refuses_over_budget_with_the_real_cost() -> None:
    with pytest.raises(
        InvalidParameterError, match=r"2\*\*12 = 4096 value calls, over the budget max_evals=1000"
    ):
        shapley(len, list(range(12)), method="exact", max_evals=1000)
    with pytest.raises(InvalidParameterError, match=r"2\*\*21 = 2097152 .* max_evals=1048576"):
        shapley(len, list(range(21)), method="exact")


def test_progress_reports() -> None:
    seen: list = []
    shapley(len, list(range(13)), method="exact", progress=lambda k, total: seen.append((k, total)))
    assert seen and seen[-1][1] == 2**13 and all(k <= 2**13 for k, _ in seen)
    seen.clear()
    shapley(
        len,
        list(range(20)),
        method="permutation",
        max_evals=500,
        seed=0,
        progress=lambda k, total: seen.append((k, total)),
    )
    assert seen and all(total == 500 and k <= 500 for k, total in seen)
    shapley(len, list(range(6)), method="exact", progress=True)


def test_batch_sets_the_round_size() -> None:
    game = random_sparse_interaction(12, seed=3)
    res = shapley(game, game.players, method="permutation", n_samples=30, batch=3, seed=0)
    assert res.n_permutations == 30 and np.isfinite(res.values["std_err"]).all()


def test_repr_is_short() -> None:
    game = random_sparse_interaction(40, seed=0)
    text = repr(shapley(game, game.players, method="permutation", n_samples=8, seed=0))
    assert text.startswith("ShapleyResult(method='permutation', players=40, n_evals=") and len(text) < 200


# --- errors ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"method": "kernel"}, "method='kernel' is not one of"),
        ({"players": []}, "players is empty"),
        ({"players": "abc"}, "players must be a sequence"),
        ({"players": {"a", "b"}}, "players must be a sequence of hashable names, got set"),
        ({"players": ["a", "b", "a"]}, "players must be distinct; repeated: a"),
        ({"players": [["a"], ["b"]]}, "players must be hashable"),
        ({"n_samples": 1}, "n_samples=1 must be an integer >= 2"),
        ({"n_samples": 2.5}, "n_samples=2.5 must be an integer"),
        ({"max_evals": 0}, "max_evals=0 must be an integer >= 1"),
        ({"batch": 0}, "batch=0 must be an integer >= 1"),
        ({"tol": -0.1}, "tol=-0.1 must be a positive number"),
        ({"confidence": 1.5}, "confidence=1.5 must be in"),
        ({"value": 3}, "value must be callable"),
        ({"value": lambda s: float("nan")}, "returned nan; values must be finite"),
        ({"value": lambda s: "high"}, "returned 'high', not a number"),
        (
            {"method": "permutation", "max_evals": 10},
            r"max_evals=10 is below the cost of one antithetic pair",
        ),
    ],
)
def test_bad_arguments(kwargs: dict, message: str) -> None:
    args = {"value": len, "players": list(range(8))} | kwargs
    bad_value = "returned" in message  # the game misbehaved, not an argument
    with pytest.raises(WorkbenchError, match=message) as err:
        shapley(**args)
    assert isinstance(err.value, InvalidParameterError) != bad_value


def test_docstring_examples() -> None:
    for module in (_shapley, _shapley_perm):
        result = doctest.testmod(module)
        assert result.attempted > 0 and result.failed == 0, module.__name__
