"""HTML for the widgets' text panels. Everything from a log is untrusted LLM output: it goes in
escaped (``_termtext.html_text``, ``html_table``), never as markup, whatever field it came from."""

from __future__ import annotations

import dataclasses
import itertools
import math
import re
import unicodedata
from collections.abc import Mapping
from typing import Any

import pandas as pd

from .._termtext import clean, html_table, html_text

MAX_CHARS = 20_000


def esc(value: Any, limit: int = MAX_CHARS) -> str:
    """``value`` as escaped text ('' for missing), cut at ``limit`` characters with a note.

    Control characters (ESC, NUL, …) and bidi overrides are shown as visible stand-ins too: an
    unclosed right-to-left override in an agent name would otherwise reverse the rest of the panel."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return ""
    text = str(value)
    if len(text) > limit:
        text = text[:limit] + f" … [{len(text) - limit:,} more characters]"
    return html_text(text)


class Markup(str):
    """HTML a widget built itself from escaped parts (``bidi``): ``kv_table`` puts it in as it is."""


def bidi(value: Any) -> str:
    """``value`` escaped (``esc``), in a ``<bdi>`` when it holds right-to-left letters: a name in running text, isolated
    from its neighbours. A Hebrew or Arabic agent name ("סוכן_מחיר") set the direction of the line around it: in
    "סוכן_מחיר 1.2 s (1 step) · writer 3.0 s" the figure after it moved to its other side."""
    text = esc(value)
    return f"<bdi>{text}</bdi>" if _rtl(text) else text


def _rtl(text: str) -> bool:
    return any(unicodedata.bidirectional(c) in ("R", "AL") for c in text)


def isolate(text: str) -> str:
    """``text`` (a name already ``label``-cleaned) between U+2068 and U+2069 (first-strong isolate, pop) when it holds
    right-to-left letters: ``bidi`` for plain text (a list option, where no markup goes). Added after cleaning, which
    shows such characters a log brings as stand-ins: these are the view's own. A left-to-right name is left as it
    is (nothing to isolate, and no invisible characters in what a user copies from the list)."""
    return f"\u2068{text}\u2069" if _rtl(text) else text


def label(value: Any) -> str:
    """A plain-text label (list option, slider name) from a log value: one line, control characters
    and bidi overrides visible."""
    return clean("" if value is None else value, newlines=False)


# Where a list line may wrap (a zero-width space; ipywidgets turns every space of an option into a no-break one, so
# no other break point is left): before each " · " past a run's id. One unbroken line of ~100 characters was cut
# at a list's right edge at a 1000 px window, its outcome, hits and culprit out of sight (ux41); wrapped there, the
# line reads whole.
WRAP = "\u200b"

_HEX_ID = re.compile(r"[0-9a-f]{17,}")


def short_id(run_id: Any) -> Any:
    """A run id for a list or table: an OTel trace id (32 hex) cut to its first 12 ("20af9441ea73…", as Phoenix
    and git shorten ids), the explorer's header showing it whole. Whole, it took 230 px of the explorer's 562 px
    run list at a 1000 px window (the list scrolled sideways, the outcome and hits past its edge) and widened the
    findings table past the overview."""
    return f"{run_id[:12]}…" if isinstance(run_id, str) and _HEX_ID.fullmatch(run_id) else run_id


def short_name(name: str, limit: int = 20) -> str:
    """A name for a list line, cut to ``limit`` characters with "…" (whole in the explorer's header): a 60-character
    system name pushed the run list's outcome past its edge at a 1000 px window."""
    return name if len(name) <= limit else name[: limit - 1] + "…"


def pre(value: Any) -> str:
    text = esc(value)
    return f"<pre class='wb-pre'>{text}</pre>" if text else "<div><i>(none)</i></div>"


def kv_table(pairs: list[tuple[str, Any]]) -> str:
    cells = [(k, v if isinstance(v, Markup) else esc(v)) for k, v in pairs]
    rows = "".join(
        f"<tr><th style='text-align:left;padding-right:1em'>{esc(k)}</th><td>{v}</td></tr>"
        for k, v in cells
        if v != ""
    )
    return f"<table class='wb-kv'>{rows}</table>"


def frame(df: pd.DataFrame, max_rows: int = 50) -> str:
    """A DataFrame as an escaped HTML table."""
    if df.empty:
        return "<i>(none)</i>"
    return html_table(df.head(max_rows), na_rep="", border=0, classes="wb-table")


# the views whose charts the rules below lay out (and only theirs: a chart of the user's own is left alone)
_VIEWS = (
    ":is(.wb-incident-explorer,.wb-threshold-tuner,.wb-limit-tuner,.wb-findings-overview,.wb-drift-monitor)"
)
STYLE = (
    "<style>.wb-pre{white-space:pre-wrap;word-break:break-word;max-height:16em;overflow:auto;"
    "background:var(--jp-layout-color2,#f5f5f5);padding:4px;margin:2px 0;font-size:12px}"
    # JupyterLab's ".jp-OutputArea-output pre {word-break: break-all}" outranked the rule above: a step's
    # input read "weather like in Be|rlin" on a half-width panel. Lines break at spaces, a long token anywhere
    ".widget-html-content pre.wb-pre{word-break:normal;overflow-wrap:anywhere}"
    ".wb-kv th,.wb-kv td,.wb-table th,.wb-table td{font-size:12px;padding:1px 6px}"
    # a long unbroken token (a 16-hex span id, a tool name in a finding's detail) breaks inside its cell
    # instead of pushing the table out of its half of the explorer
    ".wb-table{max-width:100%}.wb-kv td,.wb-findings-table td,.wb-state-table td{overflow-wrap:anywhere}"
    # a state column of short words (a key, a step id) keeps each word whole: "anywhere" let the table
    # squeeze it to a few letters a line ("item_qu|ery", "s00|02") to widen the value column
    ":is(.wb-state-table,.wb-findings-table) td.wb-word{overflow-wrap:normal;word-break:normal}"
    # a view's table reads from the left, each header over its values: JupyterLab's rule for output tables
    # (":not(.jp-RenderedMarkdown).jp-RenderedHTMLCommon th", right) outranked ".wb-state-table th", and
    # the state's "value", the limits' "rule", stood at the right over values at the left
    "table.wb-table.dataframe :is(th,td){text-align:left}"
    ".wb-findings-table tr.wb-finding td{padding-top:6px}.wb-flagged-runs tr.wb-finding td:first-child{white-space:nowrap}"
    # the explorer's run list never scrolls sideways (its horizontal scrollbar sat under twelve lines cut at
    # the same place), and no line of it is cut at its edge either (ux41: at a 1000 px window each run's outcome,
    # hits and culprit were out of sight): a line longer than the list wraps where its label allows (before a
    # " · "; a long word anywhere, last), its next lines indented under its first. The list as tall as its
    # lines: at its `size` of twelve, Chromium gave each line the height of the tallest
    # (the tuner's list of escalated runs likewise; as tall as its lines up to about six of two lines, then
    # it scrolls: it lists up to 300 runs)
    ":is(.wb-run-list,.wb-escalated-runs) select{overflow-x:hidden;field-sizing:content}"
    ".wb-escalated-runs select{max-height:15em}"
    ":is(.wb-run-list,.wb-escalated-runs) option{white-space:normal;overflow-wrap:anywhere;padding-left:2em;"
    "text-indent:-2em}"
    # A browser without field-sizing (Firefox, Safari before 26) makes every line of a list as tall as its
    # tallest, the box `size` lines of that: one line of three made the run list's twelve 550 px high (Chromium
    # without the rule). There the list stops at about twelve one-line runs' height and scrolls
    "@supports not (field-sizing:content){.wb-run-list select{max-height:20em;overflow-y:auto}}"
    # vega-embed's "…" menu sits at the right edge of its box, and a chart in a view's row takes the row's
    # width: the menu floated far right of a 360 px chart. The box lays the chart and the menu side by side
    + _VIEWS
    + " .vega-embed.has-actions{display:flex!important;align-items:flex-start;padding-right:0}"
    + _VIEWS
    + " .vega-embed.has-actions>details{position:relative;flex:0 0 38px;min-height:32px}"
    # and its menu, opened, reaches 9 px past the box (vega-embed's right:-9px): in a chart that scrolls
    # in its own box (scroll_wide) "Open in Vega Editor" was cut at the box's edge
    + _VIEWS
    + " .vega-embed.has-actions .vega-actions{right:0}"
    # a chart as wide as its output (``fit_output``) is drawn as wide as its whole box, the menu's column
    # with it: beside it, the menu took the chart 38 px past the output. Over the chart's top right corner
    # instead, the right end of its title row (the titles start at the left)
    + _VIEWS
    + " .vega-embed.has-actions.wb-fit>details{position:absolute;top:0;right:0}"
    # a per-agent threshold slider on "no rule" (past every value): its handle drawn faded, not as a threshold
    ".wb-no-rule .noUi-handle{opacity:.45}"
    ".wb-findings-table tr.wb-finding-detail td{padding-left:1.5em;color:var(--jp-ui-font-color1,#333)}</style>"
)


def state_table(state: Any, max_rows: int = 200, cell: int = 300, max_columns: int = 40) -> str:
    """The system's state before a step (the explorer's ``snapshot=``): a mapping as a table, one row per
    entry, a dataclass entry's fields as columns; anything else as text. The demo's blackboard printed as
    one ``{'item_query': Value(value='ear plugs silicone', src='s0002', tainted=False), ...}`` blob, where
    which value came from which step, and which is wrong, had to be dug out of a repr. At most ``max_columns``
    columns (the key, then fields in their order): a config object of 3,000 fields made 200 entries 12 MB of HTML."""
    if not isinstance(state, Mapping) or not state:
        return pre(state)
    rows, cut, broke = [], False, ""
    entries = itertools.islice(state.items(), max_rows)
    while True:
        # (islice: a lazy mapping of the system's, a view on a database, is read only as far as shown; one
        # whose reading fails shows the entries read before, and why it stopped)
        try:
            key, value = next(entries)
        except StopIteration:
            break
        except Exception as exc:  # noqa: BLE001 - any failure of a foreign mapping
            broke = f"<div><i>… the state could not be read further: {esc(f'{type(exc).__name__}: {exc}', 300)}</i></div>"
            break
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            # (a field declared init=False and never set is no attribute: its cell says so)
            declared = dataclasses.fields(value)
            cut = cut or len(declared) >= max_columns
            fields = {f.name: getattr(value, f.name, _UNSET) for f in declared[: max_columns - 1]}
        else:
            fields = {"value": value}
        # (an entry's own field named key is a column of its own: the mapping's key does not hide it)
        entry = {"key": key, **{("key (field)" if f == "key" else f): v for f, v in fields.items()}}
        rows.append({k: "" if v is None else _cell_text(v, cell) for k, v in entry.items()})
    table = pd.DataFrame(rows).fillna("")  # an entry without another's fields: empty cells
    more = broke + (
        f"<div><i>… {len(state) - max_rows:,} more entries</i></div>" if len(state) > max_rows else ""
    )
    if cut or table.shape[1] > max_columns:
        table = table.iloc[:, :max_columns]
        more += f"<div><i>… fields past the first {max_columns - 1} of an entry not shown</i></div>"
    return (
        _whole_words(
            html_table(table, na_rep="", border=0, classes="wb-table wb-state-table"), _word_columns(table)
        )
        + more
    )


# The longest word a state column may hold and still keep every word whole (a key, a step id, a flag, a date):
# the columns holding longer tokens (a hash, a URL) break them anywhere, so the table always fits its half.
WORD_CHARS = 30


def _word_columns(table: pd.DataFrame) -> set[int]:
    """The positions of the columns whose every word (split at white space) is at most ``WORD_CHARS`` long."""
    return {
        i
        for i, col in enumerate(table.columns)
        if max((len(word) for v in table[col] for word in str(v).split()), default=0) <= WORD_CHARS
    }


def _whole_words(html: str, columns: set[int]) -> str:
    """``html`` (a table from :func:`html_table`: cell text escaped, so ``<td>`` is only ever a tag) with the
    cells of ``columns`` marked ``wb-word``."""

    def row(m: re.Match[str]) -> str:
        cells = iter(range(10**9))
        return re.sub(
            r"<td>", lambda _: "<td class='wb-word'>" if next(cells) in columns else "<td>", m.group(0)
        )

    return re.sub(r"<tr>.*?</tr>", row, html, flags=re.S)


class _Unset:
    def __str__(self) -> str:
        return "(not set)"


_UNSET = _Unset()


def _cell_text(value: Any, limit: int) -> str:
    """A state cell's text; a value whose ``str`` raises (an object of the system's own, half built) costs only
    its cell, as the repr of the whole state it replaced cost nothing then."""
    try:
        text = str(value)
    except Exception as exc:  # noqa: BLE001 - any failure of a foreign object's __str__
        try:
            text = repr(value)
        except Exception:  # noqa: BLE001
            text = f"(cannot be shown: {type(exc).__name__} in {type(value).__name__}.__str__)"
    return _cut(text, limit)


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit] + f" … [{len(text) - limit:,} more characters]"
