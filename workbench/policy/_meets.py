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
    def nothing_to_catch(self) -> bool:
        """No failed run among those backtested: no share prevented to judge the policy by."""
        return self.failures == 0

    @property
    def ok(self) -> bool:
        # (with nothing to catch the policy is not shown to meet the goal: False, and its text says why)
        return self.prevented_ok and self.review_ok and not self.nothing_to_catch

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
        review = f"review rate {self.review_rate:.1%} (goal < {self.review_goal:.0%} {mark[self.review_ok]})"
        if self.nothing_to_catch:
            # "does not meet" said the policy fell short: no run failed, so there was nothing to prevent
            return (
                f"nothing to catch: no failed run among these, so no share prevented to judge against the "
                f"goal ≥ {self.prevented_goal:.0%} · {review}"
            )
        return (
            f"{'meets' if self.ok else 'does not meet'}: prevented {self.prevented:,} of {self.failures:,} "
            f"failures ({self.prevented_share:.0%}; goal ≥ {self.prevented_goal:.0%} "
            f"{mark[self.prevented_ok]}) · {review}"
        )

    def __repr__(self) -> str:
        return f"<Meets {self.ok}: {self}>"
