"""The policy holding a threshold sweep's rule (:meth:`ThresholdSweep.to_policy`): its HITL rule or rules, their
numbers as a person would write them, and its provenance saying what was swept and why an agent has no rule."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import numpy as np

from ..policy._model import HitlRule, Policy, Provenance
from ..policy._readable import escalating_same, readable


class SweepPolicy:
    """``ThresholdSweep``'s policy."""

    def to_policy(self, threshold: float | dict[str, float | None] | None = None, **fields: Any) -> Policy:
        """A policy with this sweep's HITL rule(s): at ``threshold``, else at the best point (one rule
        per agent with ``per_agent=True``). Keyword ``fields`` go to :class:`Policy` (``breakers=`` …)."""
        if threshold is None:
            threshold = (
                self.best_per_agent.threshold if self.best_per_agent is not None else self.best.threshold
            )
        # written with few digits (0.923, not 0.9234425533666009; 0.9, not a slider's 0.8999999999999999),
        # each between the same two step values as the tuned one: the same steps escalate
        if threshold is None:
            rules: tuple[HitlRule, ...] = ()
        elif isinstance(threshold, dict):
            # keep_shared: rounded between every agent's steps, so agents on the shared threshold get its one number
            # (by each agent's own steps: 478 for the agent whose steps met it, 479 for those whose steps did not)
            threshold = {
                a: None if t is None else self._readable(self._given(t, a), None if self.keep_shared else a)
                for a, t in threshold.items()
            }
            rules = tuple(
                HitlRule(self.signal, t, self.direction, a) for a, t in threshold.items() if t is not None
            )
        else:
            threshold = self._readable(self._given(threshold))
            rules = (HitlRule(self.signal, threshold, self.direction),)
        point = self.at(threshold)
        if not rules:
            notes: tuple[str, ...] = (self._why_no_rule(),)
        elif isinstance(threshold, dict) and None in threshold.values():
            notes = (self._without_rule(threshold),)
        else:
            notes = ()
        if isinstance(threshold, dict) and (unmet := self._unmet(threshold)):
            notes += (unmet,)
        sweep = {
            "signal": self.signal,
            "direction": self.direction,
            "cost_review": self.cost_review,
            "cost_failure": self.cost_failure,
            "budget": self.budget,
            "escalation_rate": round(point.escalation_rate, 6),
            "recall": round(point.recall, 6),
            "cost": point.cost,
            "silent": self.silent,
        }
        if self.keep_shared:
            sweep["keep_shared"] = True
        prov = Provenance(
            created_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
            created_by="workbench",
            store=self.store,
            runs=self.n_runs,
            failures=self.n_failures,
            source="sweep_thresholds",
            sweep=sweep,
            notes=notes,
        )
        fields.setdefault("hitl", rules)
        fields.setdefault("provenance", prov)
        return Policy(**fields)

    def _without_rule(self, threshold: dict[str, float | None]) -> str:
        """The agents a per-agent policy has no rule for (a reader of the file otherwise cannot tell an agent left
        out on purpose from one the sweep never saw)."""
        off = [a for a, t in threshold.items() if t is None]
        names = ", ".join(f"'{a}'" for a in off[:20]) + (
            f" and {len(off) - 20} more" if len(off) > 20 else ""
        )
        return (
            f"no {self.signal} rule for {'agent' if len(off) == 1 else 'agents'} {names}: their steps are not "
            "escalated (the sweep's best set: none of their steps met a threshold that lowers the expected cost)"
        )

    def _unmet(self, threshold: dict[str, float | None]) -> str:
        """The agents given a rule none of their steps here meets (``keep_shared``, or set so by hand): a reader of
        the file should know the rule was not learned from them."""
        steps = getattr(self, "_agent_steps", {})
        unmet = [
            a
            for a, t in threshold.items()
            if t is not None and not (steps.get(a, np.array([])) >= self._sign * float(t)).any()
        ]  # (signed units)
        if not unmet:
            return ""
        names = ", ".join(f"'{a}'" for a in unmet[:20]) + (
            f" and {len(unmet) - 20} more" if len(unmet) > 20 else ""
        )
        return (
            f"{self.signal} rule for {'agent' if len(unmet) == 1 else 'agents'} {names} met by none of "
            f"{'its' if len(unmet) == 1 else 'their'} steps in these runs"
            + (" (keep_shared: the best single threshold kept)" if self.keep_shared else "")
        )

    def _why_no_rule(self) -> str:
        """Why the best point escalates nothing: no threshold is cheaper, or none within ``budget``
        (then the cheapest one, whose share of runs escalated the budget forbids)."""
        c = self.curve
        cheaper = c[c["cost"] < self.at(None).cost]
        if self.budget is None or cheaper.empty:
            return "no threshold on this signal costs less than escalating nothing"
        p = cheaper.loc[cheaper["cost"].idxmin()]
        return (
            f"no threshold escalating at most {self.budget:.0%} of runs (budget) costs less than escalating "
            f"nothing; the cheapest, {self.signal} {'<=' if self._sign < 0 else '>='} {p['threshold']:.4g} "
            f"(cost {p['cost']:g}), escalates {p['escalation_rate']:.0%}"
        )

    def _readable(self, threshold: float, agent: str | None = None) -> float:
        """``threshold`` with the fewest digits that escalates the same steps of this sweep (of ``agent``)."""
        values = self._steps if agent is None else getattr(self, "_agent_steps", {}).get(agent, np.array([]))
        return readable(threshold, escalating_same(threshold, values, self._sign))
