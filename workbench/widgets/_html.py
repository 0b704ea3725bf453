"""HTML for the widgets' text panels. Everything from a log is untrusted LLM output: it goes in
escaped (``_termtext.html_text``, ``html_table``), never as markup, whatever field it came from."""

from __future__ import annotations

import math
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


def label(value: Any) -> str:
    """A plain-text label (list option, slider name) from a log value: one line, control characters
    and bidi overrides visible."""
    return clean("" if value is None else value, newlines=False)


def pre(value: Any) -> str:
    text = esc(value)
    return f"<pre class='wb-pre'>{text}</pre>" if text else "<div><i>(none)</i></div>"


def kv_table(pairs: list[tuple[str, Any]]) -> str:
    rows = "".join(f"<tr><th style='text-align:left;padding-right:1em'>{esc(k)}</th><td>{esc(v)}</td></tr>"
                   for k, v in pairs if esc(v) != "")
    return f"<table class='wb-kv'>{rows}</table>"


def frame(df: pd.DataFrame, max_rows: int = 50) -> str:
    """A DataFrame as an escaped HTML table."""
    if df.empty:
        return "<i>(none)</i>"
    return html_table(df.head(max_rows), na_rep="", border=0, classes="wb-table")


STYLE = ("<style>.wb-pre{white-space:pre-wrap;word-break:break-word;max-height:16em;overflow:auto;"
         "background:var(--jp-layout-color2,#f5f5f5);padding:4px;margin:2px 0;font-size:12px}"
         ".wb-kv th,.wb-kv td,.wb-table th,.wb-table td{font-size:12px;padding:1px 6px}"
         # a long unbroken token (a 16-hex span id, a tool name in a finding's detail) breaks inside its cell
         # instead of pushing the table out of its half of the explorer
         ".wb-table{max-width:100%}.wb-kv td,.wb-findings-table td{overflow-wrap:anywhere}"
         ".wb-findings-table tr.wb-finding td{padding-top:6px}"
         ".wb-findings-table tr.wb-finding-detail td{padding-left:1.5em;color:var(--jp-ui-font-color1,#333)}</style>")
