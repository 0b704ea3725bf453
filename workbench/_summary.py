"""A workspace at a glance: what a notebook shows when a ``Workspace`` is a cell's last expression.

Agent and system names come from logs, so every one is html-escaped (controls shown, ``_termtext``); the queries take no values.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from .store._connection import sql_text

if TYPE_CHECKING:
    import duckdb

    from .workspace import Workspace

_SHOWN_NAMES = 6
_TAKEN_RUNS = sql_text("taken_runs", "workbench.store")
_OUTCOME_ORDER = ("failure", "success", "unknown")


@dataclass(frozen=True)
class Summary:
    """Counts and names read from one workspace in a few aggregate queries."""

    where: str
    read_only: bool
    runs: int
    outcomes: dict[str, int]
    steps: int
    agents: list[str] = field(default_factory=list)
    n_agents: int = 0
    no_agent: int = 0
    systems: list[str] = field(default_factory=list)
    n_systems: int = 0
    first: datetime | None = None
    last: datetime | None = None
    counts: dict[str, int] = field(default_factory=dict)
    taken: int = (
        0  # runs of another outcome taken as failed (silent failures), as workbench investigate counts
    )


def summarize(ws: Workspace) -> Summary:
    """Read the summary of ``ws`` (a full scan of ``steps`` for the agents; DuckDB does that fast)."""
    from .store._own_connection import own_cursor

    with own_cursor(ws.con) as con:  # (the store's tables, not a user's temporary ones of those names)
        return _summarize(ws, con)


def _summarize(ws: Workspace, con: duckdb.DuckDBPyConnection) -> Summary:
    outcomes = dict(
        con.execute(
            "SELECT coalesce(outcome, 'unknown'), count(*) FROM runs GROUP BY ALL ORDER BY ALL"
        ).fetchall()
    )
    first, last = con.execute("SELECT min(started_at), max(started_at) FROM runs").fetchall()[0]
    agents = con.execute(
        "SELECT agent, count(*) OVER () FROM steps WHERE agent IS NOT NULL GROUP BY agent "
        "ORDER BY count(*) DESC, agent LIMIT ?",
        [_SHOWN_NAMES],
    ).fetchall()
    systems = con.execute(
        "SELECT system, count(*) OVER () FROM runs WHERE system IS NOT NULL GROUP BY system "
        "ORDER BY count(*) DESC, system LIMIT ?",
        [_SHOWN_NAMES],
    ).fetchall()
    # Steps no agent acts for: a framework whose agents the adapters cannot read (LlamaIndex workflows,
    # autogen's message hops) shows here, not as agents that seem complete.
    no_agent = con.execute("SELECT count(*) FROM steps WHERE agent IS NULL").fetchall()[0][0]
    # a run that said it succeeded but a silent failure shows failed is counted failed by investigate, the tuner
    # and the policy: the outcomes above are what the logs and labels said, this says how many of them differ
    # (the runs only, not why: the reason's lookup of each finding's step scanned every step at each display)
    taken = con.execute(f"SELECT count(*) FROM ({_TAKEN_RUNS})").fetchall()[0][0]
    counts = {t: ws.count(t) for t in ("labels", "findings", "attributions", "quarantine")}
    return Summary(
        where="memory" if ws.path is None else str(ws.path),
        read_only=ws.read_only,
        runs=sum(outcomes.values()),
        outcomes=outcomes,
        steps=ws.count("steps"),
        agents=[a for a, _ in agents],
        n_agents=int(agents[0][1]) if agents else 0,
        no_agent=int(no_agent),
        systems=[s for s, _ in systems],
        n_systems=int(systems[0][1]) if systems else 0,
        first=first,
        last=last,
        counts=counts,
        taken=int(taken),
    )


def _outcome_items(s: Summary) -> list[tuple[str, int]]:
    known = [(o, s.outcomes[o]) for o in _OUTCOME_ORDER if o in s.outcomes]
    return known + sorted((o, n) for o, n in s.outcomes.items() if o not in _OUTCOME_ORDER)


def _names(names: list[str], total: int) -> str:
    more = total - len(names)
    return ", ".join(names) + (f" and {more:,} more" if more > 0 else "")


def _taken(s: Summary) -> str:
    """How many runs investigate takes as failed against their outcome (``s.taken`` > 0)."""
    what = "a silent failure" if s.taken == 1 else "silent failures"
    return f"{s.taken:,} of them taken as failed: {what}, as workbench investigate counts"


def _runs(n: int) -> str:
    return f"{n:,} {'run' if n == 1 else 'runs'}"


def _agents(s: Summary) -> str | None:
    """The agents line: names, and how many steps act for none of them; None for an empty store."""
    if not s.steps:
        return None
    if not s.agents:
        return "none named in these logs (attribution can name steps, not agents)"
    outside = f" ({s.no_agent:,} of {s.steps:,} steps outside any agent)" if s.no_agent else ""
    return _names(s.agents, s.n_agents) + outside


def _span(s: Summary) -> str:
    if s.first is None:
        return ""
    fmt = "%Y-%m-%d %H:%M"
    return f"{s.first:{fmt}} to {s.last:{fmt}} UTC"


def _closed(ws: Workspace) -> bool:
    import duckdb

    try:
        # (fetched: a result left pending on the connection made the user's next ws.sql raise "unfinished result")
        ws.con.execute("SELECT 1").fetchall()
    except duckdb.ConnectionException:
        return True
    return False


def summary_text(ws: Workspace) -> str:
    """Plain-text summary, a few lines."""
    if _closed(ws):
        return f"{ws!r} (closed)"
    s = summarize(ws)
    title = f"Workspace {s.where}{' (read-only)' if s.read_only else ''}"
    outcomes = ", ".join(f"{n:,} {o}" for o, n in _outcome_items(s)) + ("; " + _taken(s) if s.taken else "")
    lines = [title, f"  {_runs(s.runs)}" + (f" ({outcomes})" if outcomes else "") + f", {s.steps:,} steps"]
    agents = _agents(s)
    if agents:
        lines.append(f"  agents: {agents}")
    if s.systems:
        lines.append(f"  systems: {_names(s.systems, s.n_systems)}")
    if s.first is not None:
        lines.append(f"  runs from {_span(s)}")
    lines.append("  " + ", ".join(f"{t} {n:,}" for t, n in s.counts.items()))
    from ._termtext import clean  # names from logs: no escape sequence reaches a terminal

    return clean("\n".join(lines))


# (overflow-wrap: a log's agent name of 165 characters and no space ran past the notebook's edge, the rest of the
# agents line out of sight: lab56, in JupyterLab and the extension's panel)
_CSS = (
    "font-family:var(--jp-ui-font-family,sans-serif);font-size:13px;line-height:1.5;"
    "border-left:3px solid #1976d2;padding:4px 10px;overflow-wrap:anywhere"
)
_COLOURS = {"failure": "#c62828", "success": "#2e7d32", "unknown": "#757575"}


def summary_html(ws: Workspace) -> str:
    """Compact HTML summary; every name from the store is escaped."""
    if _closed(ws):
        return f"<code>{html.escape(repr(ws))}</code> (closed)"
    s = summarize(ws)
    from ._termtext import html_text

    def esc(text: object) -> str:  # escaped, and a bidi override or ESC in a name shown, not obeyed
        return html_text(text, newlines=False)

    badges = "".join(
        f'<span class="wb-outcome" data-outcome="{esc(o)}" style="color:{_COLOURS.get(o, "#424242")};'
        f'margin-right:10px"><b>{n:,}</b> {esc(o)}</span>'
        for o, n in _outcome_items(s)
    )
    if s.taken:
        badges += f'<span class="wb-outcome-taken" style="margin-right:10px">{_taken(s)}</span>'
    rows = [
        f'<div><b class="wb-runs" data-runs="{s.runs}">{_runs(s.runs)}</b> &nbsp;{badges}'
        f"&middot; {s.steps:,} steps</div>"
    ]
    agents = _agents(s)
    if agents:
        rows.append(f"<div>agents: {esc(agents)}</div>")
    if s.systems:
        rows.append(f"<div>systems: {esc(_names(s.systems, s.n_systems))}</div>")
    if s.first is not None:
        rows.append(f"<div>runs from {esc(_span(s))}</div>")
    rows.append(
        '<div style="color:#616161">'
        + " &middot; ".join(f"{esc(t)} {n:,}" for t, n in s.counts.items())
        + "</div>"
    )
    title = f"Workspace <code>{esc(s.where)}</code>{' (read-only)' if s.read_only else ''}"
    return f'<div class="wb-workspace" style="{_CSS}"><div>{title}</div>{"".join(rows)}</div>'
