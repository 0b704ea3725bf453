"""A frame as a chart's inline data: the rows altair writes for it, made column by column.

altair turns a DataFrame into rows value by value (a copy of the frame, an ``isoformat`` call per timestamp, a
``where`` per column, then ``to_dict("records")``), and does it again for every layer given the frame: a 2,000-move
timeline's three layers cost ~0.3 CPU s of a long run's ~0.6 s to draw. Here each column becomes one Python list
(numpy's own conversions, timestamps formatted as one array), and the chart is given them as inline data, which
altair takes as it is.
"""

from __future__ import annotations

from typing import Any

import altair as alt
import numpy as np
import pandas as pd


class Rows(alt.InlineData):
    """Inline data made once and never changed: a copy of a chart holding it holds the same rows (altair copies a
    layer's charts whole, rows and all, at every param added and every layer made of them). Not checked against
    Vega-Lite's schema when made (altair walks every value for it: ~0.3 CPU s for a long run's moves): rows of plain
    values, as altair itself writes a frame's."""

    _class_is_valid_at_instantiation = False

    def __deepcopy__(self, memo: object = None) -> Rows:
        return self


def inline(frame: pd.DataFrame) -> Rows:
    """``frame`` as Vega-Lite inline data, the values altair's default data transformer makes of it: timestamps
    as ISO text ("" when missing; a naive time is read as the viewer's clock, as altair writes it), a missing or
    non-finite number, a missing text as null, numpy scalars as Python's."""
    names = [str(c) for c in frame.columns]
    columns = [_column(frame[c]) for c in frame.columns]
    return Rows(values=[dict(zip(names, row, strict=True)) for row in zip(*columns, strict=True)])


def _column(col: pd.Series) -> list[Any]:
    dtype = col.dtype
    if isinstance(dtype, np.dtype):
        if dtype.kind == "M":  # naive timestamps: isoformat's text (no fraction when it is 0)
            text = np.datetime_as_string(col.to_numpy(), unit="us")
            return ["" if t == "NaT" else t[:-7] if t.endswith(".000000") else t for t in text.tolist()]
        if dtype.kind in "biu":
            return col.to_numpy().tolist()
        if dtype.kind == "f":
            values = col.to_numpy()
            out = values.tolist()
            for i in np.flatnonzero(~np.isfinite(values)).tolist():
                out[i] = None
            return out
    if isinstance(dtype, pd.DatetimeTZDtype):
        return ["" if pd.isna(t) else t.isoformat() for t in col.tolist()]
    # text, objects, pandas' nullable numbers and booleans: their values, a missing one as null
    out = col.astype(object).tolist()
    if not isinstance(dtype, pd.StringDtype):  # (text is text: anything else may hold a numpy scalar)
        out = [_plain(v) for v in out]
    for i in np.flatnonzero(col.isna().to_numpy()).tolist():
        out[i] = None
    return out


def _plain(value: Any) -> Any:
    """A numpy scalar as Python's (JSON has no numpy types), a numpy array as a list, as altair writes them."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return value
