"""Closed-form coalition games: their Shapley values against published numbers and brute force."""

from __future__ import annotations

import doctest
import itertools
from fractions import Fraction

import numpy as np
import pytest

from workbench.attribution import _games
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
from workbench.exceptions import WorkbenchError


def brute_force(game: _games.Game) -> dict:
    """Average marginal contribution over all n! orders: independent of any engine, n <= 7."""
    total = dict.fromkeys(game.players, 0.0)
    orders = list(itertools.permutations(game.players))
    for order in orders:
        before, prev = frozenset(), game(frozenset())
        for p in order:
            before = before | {p}
            cur = game(before)
            total[p] += cur - prev
            prev = cur
    return {p: x / len(orders) for p, x in total.items()}


GAMES = {
    "voting": lambda: weighted_voting([4, 3, 2, 1, 1], quota=6),
    "glove": lambda: glove(["l1", "l2"], ["r1", "r2", "r3"]),
    "glove_even": lambda: glove(["l1", "l2", "l3"], ["r1", "r2", "r3"]),
    "airport": lambda: airport([3.0, 1.0, 4.0, 1.5, 9.0, 2.6]),
    "unanimity": lambda: unanimity({"b", "d", "e"}, list("abcdef")),
    "sparse": lambda: random_sparse_interaction(7, seed=3),
    "additive": lambda: additive([1.5, -2.0, 0.25]),
}


@pytest.mark.parametrize("name", sorted(GAMES))
def test_closed_form_matches_brute_force(name: str) -> None:
    game = GAMES[name]()
    exact = brute_force(game)
    assert game.shapley_values.keys() == exact.keys()
    for p, x in exact.items():
        assert game.shapley_values[p] == pytest.approx(x, abs=1e-12)


def test_published_values() -> None:
    g = weighted_voting([50, 49, 1], quota=51)
    assert list(g.shapley_values.values()) == pytest.approx([2 / 3, 1 / 6, 1 / 6], abs=1e-15)
    un = security_council()
    assert un.shapley_values["P3"] == pytest.approx(float(Fraction(421, 2145)), abs=1e-15)
    assert un.shapley_values["E7"] == pytest.approx(float(Fraction(4, 2145)), abs=1e-15)
    assert sum(un.shapley_values.values()) == pytest.approx(1.0, abs=1e-12)
    gl = glove(["l"], ["r1", "r2"])
    assert list(gl.shapley_values.values()) == pytest.approx([2 / 3, 1 / 6, 1 / 6], abs=1e-15)
    assert unanimity({"a", "b", "c", "d"}, list("abcdefg")).shapley_values["a"] == 0.25
    ap = airport([1.0, 3.0, 6.0])  # segments 1, 2, 3 split by 3, 2, 1 users
    assert list(ap.shapley_values.values()) == pytest.approx([1 / 3, 1 / 3 + 1, 1 / 3 + 1 + 3])


def test_values_are_efficient_at_scale() -> None:
    # closed forms where enumeration is impossible: they still sum to v(N) - v(empty)
    for game in (
        random_sparse_interaction(60, seed=1),
        airport(list(np.linspace(1, 5, 40))),
        weighted_voting(list(range(1, 41)), quota=411),
        glove(list(range(12)), list(range(12, 40))),
    ):
        gap = game(frozenset(game.players)) - game(frozenset())
        assert sum(game.shapley_values.values()) == pytest.approx(gap, abs=1e-9)


def test_game_callables() -> None:
    g = sparse_interaction([({"a"}, 1.0), ({"a", "b"}, 2.0)], ["a", "b", "c"])
    assert g(frozenset()) == 0.0 and g(frozenset({"a", "b", "c"})) == 3.0
    assert repr(g) == "Game('sparse_interaction', n_players=3)"
    t = random_table(5, seed=0)
    assert t(frozenset()) == 0.0 and t(frozenset({1, 2})) == random_table(5, seed=0)(frozenset({2, 1}))
    assert t.shapley_values is None


def test_bad_arguments() -> None:
    with pytest.raises(WorkbenchError, match="weights must be non-negative integers"):
        weighted_voting([1.5, 2], quota=2)
    with pytest.raises(WorkbenchError, match="players must be 2 distinct names"):
        additive([1.0, 2.0], players=["a", "a"])
    with pytest.raises(WorkbenchError, match="carrier"):
        sparse_interaction([({"z"}, 1.0)], ["a", "b"])
    with pytest.raises(WorkbenchError, match="2\\*\\*n = 33554432"):
        random_table(25)


def test_docstring_examples() -> None:
    result = doctest.testmod(_games)
    assert result.attempted > 0 and result.failed == 0
