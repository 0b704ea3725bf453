"""A status line in a notebook cell's output while a slow view builds: the view itself shows only when the cell
ends, and the LimitTuner on a real store of 70 runs left the cell blank for 2 CPU s (6-8 s on a busy laptop)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

import ipywidgets as w

from ._html import esc


def _in_kernel() -> bool:
    """Whether this runs in a notebook's kernel (a terminal IPython or a script would print the widget's repr)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    return getattr(get_ipython(), "kernel", None) is not None


@contextlib.contextmanager
def building(text: str) -> Iterator[Callable[[str], None]]:
    """Show ``text`` (plain words, escaped) as a status line in the cell's output while the block runs, closed
    (gone from the output) when it ends, however it ends. Yields ``say(text)``, to tell the next stage."""
    line = w.HTML() if _in_kernel() else None

    def say(words: str) -> None:
        if line is not None:
            line.value = f"<i class='wb-building'>{esc(words)}</i>"

    handle = None
    if line is not None:
        from IPython.display import display

        say(text)
        handle = display(line, display_id=True)
    try:
        yield say
    finally:
        if line is not None:
            line.close()
        if handle is not None:
            # the output replaced by a view of no model, which the notebook hides: left pointing at the closed
            # widget, a saved notebook reopened read "Error displaying widget: model not found" above the view
            handle.update(
                {_VIEW: {"version_major": 2, "version_minor": 0, "model_id": ""}, "text/plain": ""}, raw=True
            )


_VIEW = "application/vnd.jupyter.widget-view+json"
