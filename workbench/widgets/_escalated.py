"""The runs a HITL threshold sends to a human, in a list a reviewer can open in the explorer.

The tuner's readout counted them ("201 of 2,000 runs"); a Langfuse or LangSmith user deciding when to ask a human
opens the traces the rule would have flagged, to see whether a reviewer could have done anything with them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import ipywidgets as w

from .._plain import counted
from ._html import WRAP, label, short_id
from ._layout import control_row
from ._open_run import open_in_explorer

if TYPE_CHECKING:
    from ..thresholds import ThresholdSweep
    from ..workspace import Workspace
    from ._explorer import IncidentExplorer

# options listed at most (the worst first): a slider drag re-lists them at every step
MAX_LISTED = 300
_WHAT = {
    (True, True): "failed, caught in time",
    (True, False): "failed, escalated too late",
    (False, False): "succeeded: a review for nothing",
}


class EscalatedRuns(w.VBox):
    """The runs ``sweep`` escalates at a threshold: failures caught first, then failures caught too late, then
    successful runs (false escalations), the most extreme value first; "Open in explorer" shows the one picked in
    ``explorer`` (one is opened below the list on first use when none is given)."""

    def __init__(self, ws: Workspace, explorer: IncidentExplorer | None = None) -> None:
        self.ws, self.explorer = ws, explorer
        self.summary = w.HTML()
        self.summary.add_class("wb-escalated-summary")
        self.pick = w.Select(options=[], rows=6, layout=w.Layout(width="calc(100% - 4px)"))
        self.pick.add_class("wb-escalated-runs")
        self.open_button = w.Button(
            description="Open in explorer",
            icon="search",
            button_style="primary",
            tooltip="show this run's timeline, steps, findings and verdict",
        )
        self.open_button.add_class("wb-open-run")
        self.open_button.on_click(lambda _: self.open_run())
        self.opened = w.VBox()  # the explorer this list opened (none given)
        self._open_row = control_row([self.open_button])
        super().__init__([self.summary, self.pick, self._open_row, self.opened])
        self.add_class("wb-escalated")

    def show(
        self, sweep: ThresholdSweep, threshold: float | dict[str, float | None] | None, fmt: str
    ) -> None:
        """List the runs ``threshold`` escalates (values written with the slider's format ``fmt``)."""
        runs = sweep.escalated(threshold)
        failed, caught = int(runs["failed"].sum()), int(runs["caught"].sum())
        parts = [
            f"{caught:,} failed, caught in time",
            f"{failed - caught:,} failed, too late",
            f"{len(runs) - failed:,} succeeded (a review for nothing)",
        ]
        shown = runs.head(MAX_LISTED)
        first = f"; the first {len(shown):,} listed" if len(shown) < len(runs) else ""
        self.summary.value = (
            f"<b>{counted(len(runs), 'run')} sent to a human</b> at this threshold: "
            f"{' · '.join(parts)}{first}."
            if len(runs)
            else "<b>No run sent to a human</b> at this threshold."
        )
        # each line as the explorer's run list writes its own: an OTel trace id cut to 12 hex (whole in the explorer
        # it opens), a wrap before each " · " (a whole 32-hex id pushed the value past the list's edge at 1000 px)
        options = [
            (
                f"{WRAP} · ".join(
                    label(p)
                    for p in (
                        short_id(r.run_id),
                        _WHAT[(bool(r.failed), bool(r.caught))],
                        *(() if r.value is None else (f"{sweep.signal} {format(float(r.value), fmt)}",)),
                    )
                ),
                r.run_id,
            )
            for r in shown.itertuples(index=False)
        ]
        keep = self.pick.value
        self.pick.options = options
        ids = [v for _, v in options]
        self.pick.value = keep if keep in ids else (ids[0] if ids else None)
        self.open_button.disabled = not ids
        # no run sent: no empty list box and idle button under the line saying so
        for box in (self.pick, self._open_row):
            box.layout.display = None if ids else "none"

    def open_run(self, run_id: str | None = None) -> IncidentExplorer:
        """Show ``run_id`` (by default the run picked) in the explorer; returns the explorer."""
        return open_in_explorer(
            self,
            run_id if run_id is not None else self.pick.value,
            "no run picked (no run is sent to a human at this threshold)",
        )
