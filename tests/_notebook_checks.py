"""What an executed notebook must show, checked on one execution: in JupyterLab (tests/browser, on the
copy the page saved) or, where no browser can run, headless (tests/notebooks)."""

from __future__ import annotations

import re
from pathlib import Path

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))
MIN_CHARTS = {
    "01_investigate_incident.ipynb": 7,
    "02_tune_hitl_thresholds.ipynb": 8,
    "03_export_policy.ipynb": 3,
}
WIDGET = "application/vnd.jupyter.widget-view+json"


def check_executed(nb: object) -> None:
    """Every code cell ran; no error, no warning text, no chart from a CDN, every display renderable."""
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.get("execution_count") for c in code), "a code cell did not run"
    outputs = [o for c in code for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    noise = [
        o.text
        for o in outputs
        if o.output_type == "stream"
        and o.name == "stderr"
        and "it/s]" not in o.text
        and "s/it]" not in o.text
    ]  # tqdm's bar text is not clutter
    assert not noise, f"warnings or errors printed: {noise[:3]}"
    assert not [
        o for o in outputs if "text/html" in o.get("data", {}) and "cdn.jsdelivr" in o["data"]["text/html"]
    ]
    assert all(
        WIDGET in o.get("data", {})
        or o.output_type != "display_data"
        or "text/html" in o.get("data", {})
        or "text/plain" in o.get("data", {})
        for o in outputs
    )
    check_no_placeholders(nb)
    check_no_cut_cells(nb)


# pandas cuts a cell past display.max_colwidth (50) to its first 47 characters and "...": a guard's reason for
# stopping a run read "stopped at s0014: run 'proc-s2027-000038', age..." (ux26, notebook 03)
_CUT = re.compile(r"<td>[^<]{44,}\.\.\.</td>")


def check_no_cut_cells(nb: object) -> None:
    """No table a notebook shows has a cell pandas cut short: the notebook shows the whole text."""
    found = _html_matches(nb, _CUT)
    assert not found, f"tables show cells cut short (cell, text): {found[:8]}"


_PLACEHOLDER = re.compile(r"<td>\s*(NaN|None|nan|<NA>|&lt;NA&gt;|NaT)\s*</td>")


def check_no_placeholders(nb: object) -> None:
    """No table a notebook shows has a cell reading NaN, None, <NA> or NaT: a reader takes "tool None" or a
    threshold of NaN for a fault; the notebook says what the value means instead (ux16: 02's signals
    with no threshold worth setting, 03's escalations of LLM steps, which call no tool)."""
    found = _html_matches(nb, _PLACEHOLDER)
    assert not found, f"tables show placeholders (cell, value): {found[:8]}"


def _html_matches(nb: object, pattern: re.Pattern[str]) -> list[tuple[int, str]]:
    """(cell number, match) of ``pattern`` in every HTML output of the notebook's code cells."""
    found = []
    for n, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []) if cell.cell_type == "code" else []:
            html = out.get("data", {}).get("text/html", "")
            html = "".join(html) if isinstance(html, list) else html
            found += [(n, m) for m in pattern.findall(html)]
    return found


def check_stripped(path: Path) -> None:
    import nbformat

    nb = nbformat.read(path, as_version=4)
    assert all(
        not c.get("outputs") and c.get("execution_count") is None for c in nb.cells if c.cell_type == "code"
    ), f"{path.name}: commit notebooks with outputs stripped"
