"""encode()'s arguments as altair's own channel objects, made here: what altair would make of them, made cheaply.

altair turns a shorthand string (``"step_id:N"``) or a condition (``alt.condition(...)``, a dict) into its channel
class by matching it against the whole Vega-Lite schema, building the schema's index of ~570 classes anew at
every one (``_FromDict``): ~2.4 CPU ms a string, ~6.6 a condition, where a channel object costs ~0.01. A run's
timeline has some thirty of them: ~half of the ~145 ms it took to build, paid at every run the explorer shows.
"""

from __future__ import annotations

from typing import Any

import altair as alt


def _classes(name: str) -> tuple[Any, Any]:
    """The encoding's field channel class and its value channel class (None where altair has none: ``detail``)."""
    title = name[0].upper() + name[1:]
    return getattr(alt, title, None), getattr(alt, title + "Value", None)


def channels(**kwargs: Any) -> dict[str, Any]:
    """``kwargs`` for ``Chart.encode``, each shorthand string (or list of them, a tooltip's) as the encoding's
    channel object and each ``alt.condition``/``alt.value`` dict as its value channel: the same spec."""
    out = {}
    for name, value in kwargs.items():
        field, fixed = _classes(name)
        if isinstance(value, str) and field is not None:
            value = field(value)
        elif isinstance(value, list) and field is not None:
            value = [field(v) if isinstance(v, str) else v for v in value]
        elif isinstance(value, dict) and "value" in value and fixed is not None:
            value = fixed(**value)
        out[name] = value
    return out
