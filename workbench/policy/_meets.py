"""What ``BacktestReport.meets`` checked: a bare ``True``/``False`` did not say against which share of failures
prevented and which review rate, nor by how much it missed."""

from __future__ import annotations

from dataclasses import astuple, dataclass


@dataclass(frozen=True)
class Meets:
    """Whether a backtest prevented at least ``prevented_goal`` of its failures at a review rate under
    ``review_goal``, with the figures compared. True or false as a bool (``if report.meets(): ...``); its text
    says what was checked: ``meets: prevented 5 of 8 failures (62%; goal ≥ 50% ✓) · review rate 8.0% (goal < 10% ✓)``."""

    prevented_share: float
    prevented: int
    failures: int
    review_rate: float
    prevented_goal: float
    review_goal: float

    @property
    def prevented_ok(self) -> bool:
        return self.prevented_share >= self.prevented_goal

    @property
    def review_ok(self) -> bool:
        return self.review_rate < self.review_goal

    @property
    def ok(self) -> bool:
        return self.prevented_ok and self.review_ok

    def __bool__(self) -> bool:
        return self.ok

    def __eq__(self, other: object) -> bool:
        if isinstance(other, bool):
            return self.ok is other
        return astuple(self) == astuple(other) if isinstance(other, Meets) else NotImplemented

    def __hash__(self) -> int:
        return hash(self.ok)

    def __str__(self) -> str:
        mark = {True: "✓", False: "✗"}
        what = (f"prevented {self.prevented:,} of {self.failures:,} failures ({self.prevented_share:.0%}; "
                if self.failures else "no failures to prevent (")
        return (f"{'meets' if self.ok else 'does not meet'}: {what}goal ≥ {self.prevented_goal:.0%} "
                f"{mark[self.prevented_ok]}) · review rate {self.review_rate:.1%} "
                f"(goal < {self.review_goal:.0%} {mark[self.review_ok]})")

    def __repr__(self) -> str:
        return f"<Meets {self.ok}: {self}>"
