"""what_can_be_tuned shown in a notebook reads as sentences (ux38): at a 1000 px window pandas' four right-aligned
columns squeezed each reason to three words a line (notebook 02's table was 1,202 px tall). Shown now as three
left-aligned columns, what to do instead after the reason; a frame made from it shows as pandas shows one."""

from __future__ import annotations

import html
import re

import workbench as wb


def _store() -> wb.Workspace:
    records: list[dict] = [{"record": "run", "run_id": "r0", "system": "chat<b>", "outcome": "failure"}]
    records += [
        {"run_id": "r0", "step_id": f"t{i}", "agent": a, "kind": "agent", "output": "ok"}
        for i, a in enumerate(["planner", "coder"])
    ]
    ws = wb.open()
    ws.ingest(records, progress=False)
    return ws


def test_each_row_reads_as_a_sentence_left_aligned() -> None:
    table = wb.what_can_be_tuned(_store())
    shown = table._repr_html_()
    rows = re.findall(r"<tr>(.*?)</tr>", shown, re.S)[1:]
    assert len(rows) == len(table)
    for row, (what, ok, why, instead) in zip(rows, table.itertuples(index=False), strict=True):
        cells = [
            html.unescape(re.sub(r"<[^>]+>", "", c)) for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        ]
        assert cells[:2] == [what, "✓ yes" if ok else "✗ no"], cells
        assert cells[2] == (f"{why} — instead: {instead}" if instead else why), cells
        assert row.count("text-align:left") == 3, row
    assert "<th" in shown and "why (and what to do instead)" in shown
    # a frame made from it (two columns picked) is an ordinary pandas table
    picked = table[["what", "tunable"]]._repr_html_()
    assert "dataframe" in picked and "what to do instead" not in picked
