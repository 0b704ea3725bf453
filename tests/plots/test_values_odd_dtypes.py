"""``plots._values.inline`` (a frame's rows for a chart, made column by column) writes what altair's own conversion
writes, on the dtypes a store's frames and a user's own can hold: nullable integers and booleans with missing values,
timestamps naive and with a zone, categories, NaN and infinite floats, float32, text quoting and bidi marks (log
contents are untrusted), and objects holding numpy scalars. (explore55 made it; nothing pinned it to altair.)"""

from __future__ import annotations

import json

import altair as alt
import numpy as np
import pandas as pd

from workbench.plots._values import inline


def test_inline_rows_are_altairs_own() -> None:
    frame = pd.DataFrame(
        {
            "n": pd.array([1, None, -3], dtype="Int64"),
            "flag": pd.array([True, None, False], dtype="boolean"),
            "plain_bool": [True, False, True],
            "when_tz": pd.to_datetime(
                ["2026-01-01T10:00:00.5+02:00", None, "2026-12-06T18:00:00.000+02:00"], format="ISO8601"
            ),
            "when": pd.to_datetime(
                ["2026-01-01 10:00:00", None, "2026-12-06 18:00:00.123456"], format="ISO8601"
            ),
            "cat": pd.Categorical(["a", None, "b"]),
            "x": [1.5, np.nan, np.inf],
            "y": np.array([-np.inf, 0.0, -0.0]),
            "f32": np.array([0.1, 1e30, np.nan], dtype="float32"),
            "u8": np.array([0, 255, 7], dtype="uint8"),
            "text": ['say "hi"', None, "\u202eevil\u202c \u200f'quoted'\\ </script>"],
            "stext": pd.array(["a", None, "\u2067b\u2069"], dtype="string"),
            "obj": [np.int64(3), None, "mixed"],
        }
    )
    assert isinstance(frame["when_tz"].dtype, pd.DatetimeTZDtype)
    ours = inline(frame).to_dict()["values"]
    theirs = alt.utils.data.to_values(frame)["values"]
    # as JSON: a NaN where altair writes null (or 0 for -0.0) would differ there, not under ==
    for name in frame.columns:
        mine, altairs = [r[name] for r in ours], [r[name] for r in theirs]
        assert json.dumps(mine) == json.dumps(altairs), (name, mine, altairs)
    assert json.dumps(ours) == json.dumps(theirs)
