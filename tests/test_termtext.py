"""Log text shown as HTML: cleaned (controls and bidi overrides visible) and escaped, by one helper pair."""

from __future__ import annotations

import doctest
import html

import pandas as pd

import workbench._termtext as termtext
from workbench._magics import Investigation
from workbench._termtext import html_table, html_text
from workbench.attribution._verdict import Verdict
from workbench.widgets import _html

HOSTILE = "<img src=x onerror=alert(1)>\u202eevil\x1b]0;t\x07 'q\" &amp;\nnext"


def test_html_text_cleans_then_escapes() -> None:
    out = html_text(HOSTILE)
    assert out == html.escape(termtext.clean(HOSTILE), quote=True)
    assert "<" not in out and "\u202e" not in out and "\x1b" not in out and '"' not in out and "'" not in out
    assert "&lt;U+202E&gt;" in out and "^[" in out and "\n" in out
    assert "\n" not in html_text(HOSTILE, newlines=False)
    assert doctest.testmod(termtext).failed == 0


def test_html_table_cleans_every_text_cell_then_escapes() -> None:
    df = pd.DataFrame({"agent": [HOSTILE, None], "n": [1.5, float("nan")]})
    out = html_table(df, classes="wb-x", na_rep="", border=0)
    assert out == termtext.clean_cells(df).to_html(
        index=False, escape=True, classes="wb-x", na_rep="", border=0
    )
    assert "<img" not in out and "\u202e" not in out and "&lt;U+202E&gt;" in out and "wb-x" in out
    assert html_table(df) == termtext.clean_cells(df).to_html(index=False, escape=True)


def test_the_html_views_use_it() -> None:
    verdict = Verdict(
        culprit=HOSTILE,
        decisive_step="s1",
        decisive_agent=HOSTILE,
        confidence=0.5,
        ambiguous=False,
        runner_up=None,
        explanation=HOSTILE,
    )
    assert html_text(HOSTILE) in verdict._repr_html_()
    table = pd.DataFrame({"run_id": [HOSTILE], "agent": ["a"]})
    inv = Investigation(
        where=HOSTILE, n_runs=1, n_failed=1, table=table, truncated=False, agreement=HOSTILE, note=""
    )
    shown = inv._repr_html_()
    assert html_table(table, border=0, classes="wb-investigate") in shown and "<img" not in shown
    assert _html.frame(table) == html_table(table, na_rep="", border=0, classes="wb-table")
    assert _html.esc(HOSTILE) == html_text(HOSTILE)
