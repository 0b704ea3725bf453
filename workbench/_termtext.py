"""Text for a terminal: log contents made inert, and tables that fit the terminal's width.

Log text is untrusted LLM output. Printed raw, an ESC sequence can clear the screen, retitle the
window or hide lines, and a BEL rings; Unicode bidi controls can reorder what is shown. Every
string the command line prints from a log goes through :func:`clean`; every string and table shown
as HTML through :func:`html_text` and :func:`html_table` (cleaned, then escaped).
"""

from __future__ import annotations

import html
import re
import shutil
import textwrap
from collections.abc import Sequence

# C0 controls (tab and newline handled apart), DEL, C1 controls, and the bidi/zero-width format
# characters that change how the text around them is displayed.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f\x80-\x9f\u061c\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


def _visible(match: re.Match[str]) -> str:
    ch = match.group(0)
    code = ord(ch)
    if code < 0x20:
        return "^" + chr(code + 64)  # caret notation: ESC -> ^[, BEL -> ^G
    if code == 0x7F:
        return "^?"
    return f"<U+{code:04X}>"


def clean(text: object, newlines: bool = True) -> str:
    """``text`` with every control character shown as a harmless visible stand-in.

    Newlines (and tabs) are kept when ``newlines`` is true, else turned into spaces (for a table
    cell that must stay on one line).

    >>> clean("ok\\x1b]0;pwned\\x07 done")
    'ok^[]0;pwned^G done'
    >>> clean("a\\nb", newlines=False)
    'a b'
    """
    s = str(text)
    if not newlines:
        s = s.replace("\r\n", " ").replace("\n", " ").replace("\t", " ")
    s = s.replace("\r", "^M")
    return _CONTROL.sub(_visible, s)


def clean_cells(frame: object) -> object:
    """A copy of a pandas DataFrame with every text cell :func:`clean` (one line each), for a table
    shown as HTML: escaping stops markup, not a right-to-left override that reverses what follows."""
    out = frame.copy()  # type: ignore[attr-defined]
    for col in out.columns:
        if out[col].dtype == object or str(out[col].dtype).startswith(("string", "str")):
            out[col] = out[col].map(lambda v: clean(v, newlines=False) if isinstance(v, str) else v)
    return out


def html_text(text: object, newlines: bool = True) -> str:
    """``text`` for HTML: :func:`clean` (escaping stops markup, not a bidi override), then escaped.

    >>> html_text("<b>planner</b>\u202e")
    '&lt;b&gt;planner&lt;/b&gt;&lt;U+202E&gt;'
    """
    return html.escape(clean(text, newlines), quote=True)


def html_table(
    frame: object, *, classes: str | None = None, na_rep: str = "NaN", border: int | None = None
) -> str:
    """A pandas DataFrame as an HTML table (no index): text cells :func:`clean_cells`, then escaped."""
    return clean_cells(frame).to_html(  # type: ignore[attr-defined]
        index=False, escape=True, classes=classes, na_rep=na_rep, border=border
    )


def terminal_width(default: int = 100) -> int:
    """Columns of the terminal (``$COLUMNS`` first; ``default`` when not a terminal)."""
    return max(40, shutil.get_terminal_size((default, 24)).columns)


def _cut(text: str, width: int) -> str:
    if len(text) <= width:
        return text
    return text[: max(0, width - 1)] + "…" if width > 0 else ""


def fit_table(
    rows: Sequence[Sequence[object]],
    headers: Sequence[str],
    width: int,
    flexible: Sequence[str] = (),
    drop: Sequence[str] = (),
    min_width: int = 8,
    right: Sequence[str] = (),
) -> str:
    """A plain-text table no wider than ``width``, every cell cleaned and kept on one line.

    The ``flexible`` columns share what the others leave, each cut (with "…") at one common cap;
    when even ``min_width`` each does not fit, columns are dropped in ``drop`` order and a last
    line names them.
    """
    cells = [[clean(c, newlines=False) for c in row] for row in rows]
    headers = list(headers)
    natural = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(headers)]
    shown = list(range(len(headers)))
    flex = {headers.index(f) for f in flexible if f in headers}
    to_drop = [headers.index(d) for d in drop if d in headers]

    def caps() -> dict[int, int] | None:
        fixed = sum(natural[i] for i in shown if i not in flex) + 2 * (len(shown) - 1)
        cols = [i for i in shown if i in flex]
        room = width - fixed
        if not cols:
            return {} if room >= 0 else None
        if room < sum(min(natural[i], min_width) for i in cols):
            return None
        # water-filling: the largest common cap with which the flexible columns fit in the room
        cap = max(natural[i] for i in cols)
        while cap > min_width and sum(min(natural[i], cap) for i in cols) > room:
            cap -= 1
        return {i: min(natural[i], cap) for i in cols}

    fitted = caps()
    while fitted is None and to_drop:
        shown.remove(to_drop.pop(0))
        fitted = caps()
    if fitted is None:  # still too wide: every column gives way, down to a few characters
        flex, min_width = set(shown), 4
        fitted = caps()
    widths = [fitted.get(i, natural[i]) if fitted else natural[i] for i in range(len(headers))]
    align = {headers.index(r) for r in right if r in headers}

    def line(values: Sequence[str]) -> str:
        parts = []
        for i in shown:
            text = _cut(values[i], widths[i])
            parts.append(text.rjust(widths[i]) if i in align else text.ljust(widths[i]))
        return "  ".join(parts).rstrip()

    out = [line([_cut(h, widths[i]) for i, h in enumerate(headers)])]
    out += [line(r) for r in cells]
    hidden = [headers[i] for i in range(len(headers)) if i not in shown]
    if hidden:
        out.append(
            textwrap.fill(
                f"(not shown at {width} columns: {', '.join(hidden)}; widen the terminal or set COLUMNS)",
                width=width,
            )
        )
    return "\n".join(out)
