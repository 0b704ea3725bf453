"""The incident explorer's run list: filters, pages, the run it opens on, what the store holds when none match."""

from __future__ import annotations

import math
import time
from datetime import date
from typing import Any

import pandas as pd

from .._plain import counted
from ._explorer_text import _opened_words, _run_label
from ._html import esc, label
from ._runs import RunFilter, RunPager, count_runs

ANY = "(any)"


def _options(values: list[str]) -> list[tuple[str, str]]:
    # "" stands for "any": a Dropdown whose value is None selects nothing and shows a blank box
    return [(ANY, ""), *[(label(v), v) for v in values]]


class RunListing:
    """The explorer's run list (a mixin of IncidentExplorer: its widgets and store are the explorer's)."""

    def _on_filter(self, _change: Any = None) -> None:
        def day(v: date | None) -> date | None:
            return v if isinstance(v, date) else None

        self.filter = RunFilter(
            outcome=self.outcome.value or None,
            system=self.system.value or None,
            detector=self.detector.value or None,
            culprit=self.culprit.value or None,
            since=day(self.since.value),
            until=day(self.until.value),
            silent=bool(self.silent.value),
        )
        self.page = 0
        # the run the explorer opens on by the same rule as at first (the most recent failed run listed, …), saying
        # why: the list's first run was shown, a success above the failure the filter was set to find
        self._refresh(count=True, pick=True)

    def goto_page(self, page: int) -> None:
        """Show page ``page`` (from 0) of the filtered runs (clamped to the pages there are)."""
        page = max(0, page)
        if (
            self._pager is not None
            and page > self.page
            and not self._pager.has_next(self.page, self.page_size)
        ):
            return
        if page > self.page + 1:
            page = min(page, max(0, math.ceil(self.total / self.page_size) - 1))
        self.page = page
        self._refresh(count=False)

    def _refresh(self, count: bool, auto: bool = False, pick: bool = False) -> None:
        """List the page; ``pick``: show the run RunPager.to_open names (paging to it) and say why; ``auto``: that,
        for the constructor (see RunShown._show)."""
        t0 = time.perf_counter()
        pick = pick or auto
        if count or self._pager is None:
            # No query here: the pager seeks the first page directly and counts only when asked.
            self._pager = RunPager(self.ws, self.filter)
        self.page_rows = self._pager.page(self.page, self.page_size)
        opened = self._pager.to_open() if pick else None
        if opened is not None and opened["run_id"] not in set(self.page_rows["run_id"]):
            # the run to open on is further down the list: its page (the list highlights it there)
            at = self._pager.position(opened["run_id"])
            self.page = at // self.page_size if at is not None else self.page
            self.page_rows = self._pager.page(self.page, self.page_size)
        if opened is not None:
            row = self.page_rows[self.page_rows["run_id"] == opened["run_id"]]
            timed = not len(row) or isinstance(row["started_at"].iat[0], pd.Timestamp)
        self._opened_why = _opened_words(opened, timed) if opened is not None else ""
        more = self._pager.has_next(self.page, self.page_size)
        self.latency_ms["page_query"] = (time.perf_counter() - t0) * 1000
        self.prev.disabled, self.next.disabled = self.page == 0, not more
        # (one system in the store, or one picked in the filter: the same on every line, said nowhere)
        many = self.filter.system is None and len(self.system.options) > 2
        labels = [(_run_label(r, many), r.run_id) for r in self.page_rows.itertuples()]
        keep = self.run_id if self.run_id in set(self.page_rows["run_id"]) else None
        if opened is not None and opened["run_id"] in set(self.page_rows["run_id"]):
            keep = opened["run_id"]
        # The list first, without selecting: a selection draws a run, the slow part.
        self.runs.unobserve(self._on_run, names="value")
        try:
            self.runs.options = labels
            self.runs.value = keep if keep else (labels[0][1] if labels else None)
        finally:
            self.runs.observe(self._on_run, names="value")
        if count:
            self.page_label.value = f"page {self.page + 1} · counting runs…"
        self.latency_ms["page"] = (time.perf_counter() - t0) * 1000
        # The count after the page is on screen: the list never waits for it.
        t1 = time.perf_counter()
        self.total = self._pager.total
        pages = max(1, math.ceil(self.total / self.page_size))
        self.page_label.value = (
            f"page {self.page + 1} of {pages:,} · {self.total:,} {'run' if self.total == 1 else 'runs'}"
        )
        self.latency_ms["count"] = (time.perf_counter() - t1) * 1000
        if not labels:
            self.show_run(None)
        elif self.runs.value != self.run_id:
            self._show(self.runs.value, auto=auto, said=pick)
        elif pick:  # the run shown already is the one to open on: why, said again for these filters
            self._say_opened(self._opened_why)

    def _mark_in_list(self, run_id: str | None) -> None:
        """The run list highlights the run shown, or nothing when it is not on this page: ``show_run('r00')``
        from code left the newest run highlighted over r00's steps."""
        want = run_id if run_id in {v for _, v in self.runs.options} else None
        if self.runs.value == want:
            return
        self.runs.unobserve(self._on_run, names="value")
        try:
            self.runs.value = want
        finally:
            self.runs.observe(self._on_run, names="value")

    def _on_run(self, change: Any) -> None:
        if change["new"] is not None and change["new"] != self.run_id:
            self.show_run(change["new"])

    def _held(self) -> str:
        """What the store holds, by outcome as the filter counts them (silent failures as failed or not): notebook 01
        opened its explorer on failed runs, and on real traces of no failed run it read "No run matches these
        filters" over an empty timeline, nothing saying that two runs of unknown outcome were there."""
        counts = {
            o: count_runs(self.ws, RunFilter(outcome=o, silent=self.filter.silent))
            for o in ("failure", "success", "unknown")
        }
        words = {"failure": "failed", "success": "successful", "unknown": "of unknown outcome"}
        held = ", ".join(f"{n:,} {words[o]}" for o, n in counts.items() if n)
        return (
            f"the store holds {counted(sum(counts.values()), 'run')} ({held}). Set the filters back to "
            f"{esc(ANY)} to list them."
        )
