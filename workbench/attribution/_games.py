"""Coalition games whose Shapley values are known in closed form: examples, tests and benchmarks.

Each constructor returns a :class:`Game`: the players, the characteristic function ``v`` (a frozenset
of players to a float) and the exact Shapley values computed *without* enumerating coalitions, so an
estimator can be checked at player counts where enumeration is impossible.

Examples
--------
>>> from workbench.attribution._games import weighted_voting
>>> game = weighted_voting([50, 49, 1], quota=51)
>>> game(frozenset({0, 2})), game(frozenset({1, 2}))
(1.0, 0.0)
>>> [round(x, 4) for x in game.shapley_values.values()]
[0.6667, 0.1667, 0.1667]
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from math import comb, factorial

import numpy as np

from ..exceptions import InvalidParameterError

__all__ = [
    "Game",
    "additive",
    "airport",
    "glove",
    "random_table",
    "security_council",
    "sparse_interaction",
    "random_sparse_interaction",
    "unanimity",
    "weighted_voting",
]


@dataclass(frozen=True)
class Game:
    """A coalition game: ``game(S)`` is v(S); ``shapley_values`` the exact values, or None if unknown."""

    name: str
    players: tuple
    value: Callable[[frozenset], float]
    shapley_values: dict | None

    def __call__(self, coalition: frozenset) -> float:
        return self.value(coalition)

    def __repr__(self) -> str:
        return f"Game({self.name!r}, n_players={len(self.players)})"


def _names(players: Sequence[Hashable] | None, n: int) -> tuple:
    names = tuple(range(n)) if players is None else tuple(players)
    if len(names) != n or len(set(names)) != n:
        raise InvalidParameterError(f"players must be {n} distinct names, got {list(names)!r}")
    return names


def _weight(s: int, n: int) -> Fraction:
    """Probability that a given player's predecessors in a random order are one given set of size s."""
    return Fraction(factorial(s) * factorial(n - s - 1), factorial(n))


def additive(weights: Sequence[float], players: Sequence[Hashable] | None = None) -> Game:
    """v(S) = sum of the members' weights; player i's Shapley value is its weight.

    Examples
    --------
    >>> additive([1.0, 2.0]).shapley_values
    {0: 1.0, 1: 2.0}
    """
    names = _names(players, len(weights))
    w = dict(zip(names, map(float, weights), strict=True))
    return Game("additive", names, lambda s: float(sum(w[p] for p in s)), dict(w))


def unanimity(carrier: Iterable[Hashable], players: Sequence[Hashable], weight: float = 1.0) -> Game:
    """v(S) = weight if the carrier T ⊆ S else 0; each member of T gets weight/|T|, the others 0.

    Examples
    --------
    >>> unanimity({"a", "b"}, ["a", "b", "c"]).shapley_values
    {'a': 0.5, 'b': 0.5, 'c': 0.0}
    """
    return sparse_interaction([(carrier, weight)], players, name="unanimity")


def sparse_interaction(
    terms: Iterable[tuple[Iterable[Hashable], float]],
    players: Sequence[Hashable],
    name: str = "sparse_interaction",
) -> Game:
    """A weighted sum of unanimity games: v(S) = Σ_T w_T·[T ⊆ S]; each member of T gets w_T/|T|.

    Every game is such a sum (the Harsanyi dividends); a *sparse* one, with a few small carriers, has
    higher-order interactions and closed-form Shapley values at any player count.

    Examples
    --------
    >>> g = sparse_interaction([({"a"}, 1.0), ({"a", "b", "c"}, 3.0)], ["a", "b", "c"])
    >>> g(frozenset({"a", "b"})), g(frozenset({"a", "b", "c"}))
    (1.0, 4.0)
    >>> g.shapley_values
    {'a': 2.0, 'b': 1.0, 'c': 1.0}
    """
    names = _names(players, len(players))
    parsed = [(frozenset(t), float(w)) for t, w in terms]
    phi = dict.fromkeys(names, 0.0)
    for t, w in parsed:
        if not t or not t <= set(names):
            raise InvalidParameterError(
                f"terms: carrier {sorted(t, key=str)!r} must be a non-empty subset of players"
            )
        for p in t:
            phi[p] += w / len(t)

    def v(s: frozenset) -> float:
        return float(sum(w for t, w in parsed if t <= s))

    return Game(name, names, v, phi)


def random_sparse_interaction(
    n: int, n_terms: int | None = None, max_order: int = 5, seed: int | None = None
) -> Game:
    """A random sparse interaction game over players 0..n-1: ``n_terms`` (default 3n) carriers of
    1..max_order players with N(0, 1) weights.

    Examples
    --------
    >>> g = random_sparse_interaction(30, seed=0)
    >>> abs(sum(g.shapley_values.values()) - g(frozenset(range(30)))) < 1e-9
    True
    """
    rng = np.random.default_rng(seed)
    terms = []
    for _ in range(3 * n if n_terms is None else n_terms):
        k = int(rng.integers(1, min(max_order, n) + 1))
        terms.append((rng.choice(n, size=k, replace=False).tolist(), float(rng.normal())))
    return sparse_interaction(terms, list(range(n)), name="random_sparse_interaction")


def weighted_voting(weights: Sequence[int], quota: float, players: Sequence[Hashable] | None = None) -> Game:
    """v(S) = 1 if the members' weights reach the quota, else 0; exact Shapley–Shubik index.

    The index is computed by counting, for each player, the coalitions of the others of each size whose
    weight lies in [quota − w_i, quota) (a dynamic program over size and weight), so integer weights
    are required and the cost is O(n² · Σw) rather than 2**n.

    Examples
    --------
    >>> g = weighted_voting([50, 49, 1], quota=51, players=["big", "mid", "small"])
    >>> {p: round(x, 4) for p, x in g.shapley_values.items()}
    {'big': 0.6667, 'mid': 0.1667, 'small': 0.1667}
    """
    w = [int(x) for x in weights]
    if any(x < 0 or x != y for x, y in zip(w, weights, strict=True)):
        raise InvalidParameterError(f"weights must be non-negative integers, got {list(weights)!r}")
    names = _names(players, len(w))
    n, total = len(w), sum(w)
    if n > 60:
        raise InvalidParameterError(
            f"weights: {n} players; the exact index counts coalitions in int64, use n <= 60"
        )
    phi = {}
    for i, p in enumerate(names):
        # count[k, t]: number of coalitions of the other players with k members and weight t
        count = np.zeros((n, total + 1), dtype=np.int64)
        count[0, 0] = 1
        for j, wj in enumerate(w):
            if j != i:
                count[1:, wj:] += count[:-1, : total + 1 - wj].copy()
        lo, hi = max(0, int(np.ceil(quota - w[i]))), min(total + 1, int(np.ceil(quota)))
        swing = sum((_weight(k, n) * int(count[k, lo:hi].sum()) for k in range(n)), Fraction(0))
        phi[p] = float(swing)
    wt = dict(zip(names, w, strict=True))
    return Game("weighted_voting", names, lambda s: float(sum(wt[q] for q in s) >= quota), phi)


def security_council() -> Game:
    """The UN Security Council: 5 permanent members with a veto and 10 elected; a resolution passes
    with 9 votes including all 5 permanent ones (weights 7 and 1, quota 39).

    Examples
    --------
    >>> g = security_council()
    >>> round(g.shapley_values["P1"], 5), round(g.shapley_values["E1"], 5)   # 421/2145, 4/2145
    (0.19627, 0.00186)
    """
    names = [f"P{i}" for i in range(1, 6)] + [f"E{i}" for i in range(1, 11)]
    game = weighted_voting([7] * 5 + [1] * 10, quota=39, players=names)
    return Game("security_council", game.players, game.value, game.shapley_values)


def glove(left: Sequence[Hashable], right: Sequence[Hashable]) -> Game:
    """v(S) = number of matched pairs = min(#left gloves in S, #right gloves in S).

    Closed form: a left glove's value sums, over coalitions of a left and b right gloves among the
    others, the permutation weight of their size times C(L−1, a)·C(R, b) where b > a (adding it then
    makes a new pair); right gloves symmetrically.

    Examples
    --------
    >>> glove(["l1"], ["r1", "r2"]).shapley_values      # the scarce glove takes 2/3
    {'l1': 0.6666666666666666, 'r1': 0.16666666666666666, 'r2': 0.16666666666666666}
    """
    names = _names(list(left) + list(right), len(left) + len(right))
    nl, nr, n = len(left), len(right), len(names)

    def share(same: int, other: int) -> float:
        return float(
            sum(
                _weight(a + b, n) * comb(same - 1, a) * comb(other, b)
                for a in range(same)
                for b in range(other + 1)
                if b > a
            )
        )

    lset = frozenset(left)
    phi = {p: share(nl, nr) if p in lset else share(nr, nl) for p in names}

    def v(s: frozenset) -> float:
        k = len(s & lset)
        return float(min(k, len(s) - k))

    return Game("glove", names, v, phi)


def airport(costs: Sequence[float], players: Sequence[Hashable] | None = None) -> Game:
    """The airport (runway cost) game: v(S) = the largest cost in S, v(∅) = 0.

    Closed form (Littlechild–Owen serial rule): sort costs c(1) ≤ … ≤ c(n); each segment
    c(j) − c(j−1) of runway is split equally among the n − j + 1 players who need it.

    Examples
    --------
    >>> airport([1.0, 3.0]).shapley_values
    {0: 0.5, 1: 2.5}
    """
    names = _names(players, len(costs))
    c = dict(zip(names, map(float, costs), strict=True))
    order = sorted(names, key=c.__getitem__)
    phi, acc, prev = {}, 0.0, 0.0
    for j, p in enumerate(order):
        acc += (c[p] - prev) / (len(order) - j)
        prev = c[p]
        phi[p] = acc
    return Game("airport", names, lambda s: max((c[p] for p in s), default=0.0), {p: phi[p] for p in names})


def random_table(n: int, seed: int | None = None) -> Game:
    """A game with no structure: v(S) i.i.d. N(0, 1) per coalition (v(∅) = 0). Values unknown.

    Examples
    --------
    >>> g = random_table(4, seed=1)
    >>> g(frozenset()), g(frozenset({0, 3})) == g(frozenset({3, 0}))
    (0.0, True)
    """
    if n > 24:
        raise InvalidParameterError(f"n={n}: a random table game stores 2**n = {2**n} values; use n <= 24")
    table = np.random.default_rng(seed).normal(size=2**n)
    table[0] = 0.0
    return Game("random_table", tuple(range(n)), lambda s: float(table[sum(1 << i for i in s)]), None)
