"""A container-wide timeline's lane names: the y axis's room (one width for the lanes and the signals under them, so
that the two line up) and the names drawn in it, whole where they fit, on two lines where they do not, the whole
name in a tooltip."""

from __future__ import annotations

import os

import altair as alt
import pandas as pd

from .._termtext import clean
from ._channels import channels

# the width of a container-wide timeline's y axes (one width, so that the lanes and the signals under them line up)
LANE_AXIS_PX = 110
# characters of a lane's name on one line of that room (Vega's 10 px axis font: ~5.5 px a character)
LANE_LINE_CHARS = 18
_BREAKS = "._-/: "


def fixed_axis(labels: bool = True) -> alt.Axis:
    return alt.Axis(
        minExtent=LANE_AXIS_PX, maxExtent=LANE_AXIS_PX, labelLimit=LANE_AXIS_PX - 8, labels=labels
    )


def lane_name(agent: str, chars: int = LANE_LINE_CHARS) -> str:
    """An agent's name as its lane shows it: whole on one line when it fits, else on two, broken after a ``.``,
    ``_``, ``-``, ``/``, ``:`` or space (``agents.research.`` over ``web_searcher_v2``), the second line's head cut
    ("…") when it is longer still: the end of a dotted name is what tells two agents apart."""
    if len(agent) <= chars:
        return agent
    # after a separator, or between a lower-case letter and a capital (CamelCase), as far on as the line allows
    at = max(
        (
            i
            for i in range(min(chars, len(agent) - 1))
            if agent[i] in _BREAKS or (agent[i].islower() and agent[i + 1].isupper())
        ),
        default=-1,
    )
    head, rest = (
        (agent[: at + 1].rstrip(), agent[at + 1 :]) if at >= chars // 3 else (agent[:chars], agent[chars:])
    )
    return f"{head}\n{rest if len(rest) <= chars else '…' + rest[-(chars - 1) :]}"


def drawn_names(lanes: list[str], chars: int = LANE_LINE_CHARS) -> list[str]:
    """Each lane's :func:`lane_name`, of its name on one line with control and bidi characters shown as stand-ins
    (a log's name is untrusted: its newlines were drawn as lines over the lanes beside it, a U+202E reversed what the
    lane read), and told apart from the others': two names alike at both ends
    (``agents.research.us_east.web_searcher_v2`` and ``…eu_west…``) were drawn as the same two lines, so such a
    name's second line shows where it differs from the others instead."""
    shown = [clean(a, newlines=False) for a in lanes]
    cut = [lane_name(a, chars) for a in shown]
    drawn = list(cut)
    for i, (name, text) in enumerate(zip(shown, cut, strict=True)):
        alike = [other for other, t in zip(shown, cut, strict=True) if t == text and other != name]
        if alike:
            # (where it differs from them)
            at = max(len(os.path.commonprefix([name, other])) for other in alike)
            head = text.split("\n")[0]
            # (from just after the separator before that, when near: "eu_west.web_…", not "t.web_…")
            start = max((j + 1 for j in range(len(head), at) if name[j] in _BREAKS), default=at)
            start = start if at - start < chars // 2 else at
            rest = name[start:] if len(name) - start <= chars - 1 else name[start : start + chars - 2] + "…"
            drawn[i] = f"{head}\n{'…' if start > len(head) else ''}{rest}"
    return drawn


def lane_names(lanes: list[str], y: alt.Y) -> alt.Chart:
    """The lanes' names as text marks in the y axis's room (its own labels off). An axis label is cut at the room's
    width with no tooltip: real frameworks' agents (``agents.research.web_searcher_v2``, CrewAI's "Senior Research
    Analyst") read "agents.research.web_…", and two agents of one prefix looked alike. Here a long name goes on two
    lines (:func:`lane_name`), each held to the room (``limit``), and the whole name is in the tooltip."""
    names = pd.DataFrame({"agent": lanes, "lane_name": drawn_names(lanes)})
    return (
        alt.Chart(names)
        .mark_text(
            align="right",
            baseline="middle",
            dx=-6,
            fontSize=10,
            lineHeight=11,
            lineBreak="\n",
            limit=LANE_AXIS_PX - 8,
            color="#333",
            clip=False,  # (a scale-bound zoom clips the layer's marks to the plot, where these are not)
        )
        .encode(
            **channels(
                x=alt.value(0), y=y, text="lane_name:N", tooltip=[alt.Tooltip("agent:N", title="agent")]
            )
        )
    )
