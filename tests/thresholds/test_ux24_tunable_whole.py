"""what_can_be_tuned shown alone in a notebook: its sentences whole, not cut at pandas' 50 characters
(the "what to do instead" was the part lost)."""

from __future__ import annotations

import html

import workbench as wb


def _store() -> wb.Workspace:
    records: list[dict] = []
    for r in range(2):
        records.append({"record": "run", "run_id": f"r{r}", "system": "chat", "outcome": "failure"})
        records += [
            {"run_id": f"r{r}", "step_id": f"t{i}", "agent": a, "kind": "agent", "output": "ok"}
            for i, a in enumerate(["planner", "coder"])
        ]
    ws = wb.open()
    ws.ingest(records, progress=False)
    return ws


def test_shown_alone_the_sentences_are_whole() -> None:
    table = wb.what_can_be_tuned(_store())
    shown = html.unescape(table._repr_html_())
    text = repr(table)
    for sentence in table["why"].tolist() + table["instead"].tolist():
        assert sentence in shown, sentence
        assert sentence in text, sentence
    assert "token lo..." not in shown and "the logs have no token log-probabilities (nor workbench" in shown
    # still a DataFrame to filter, and what it filters shows whole too
    missing = table[~table["tunable"]]
    assert len(missing) and missing.iloc[0]["why"] in html.unescape(missing._repr_html_())
