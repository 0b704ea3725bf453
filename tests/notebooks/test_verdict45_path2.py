"""Notebook 01's Path 2 gives the explorer's answer (verdict45): its log-only answer is ``wb.logonly_verdicts``, the
verdict the IncidentExplorer shows for the same run (the notebook shows the incident in it), not the model alone
(``model.predict``: "Stock Clerk, 0.50, uncertain" on a CrewAI run the explorer gave to Crew Manager, 80 %, from the
error that ended it). Checked on the notebook's run on the real traces (tests/notebooks/conftest.py), no run of its own:
the explorer's verdict is read from the widget state the run saved."""

from __future__ import annotations

import re

import pytest
from _kernels import NotebookRuns
from _notebook_checks import check_executed


def _answer_row(html: str, name: str) -> str:
    return html.split(f"<th>{name}</th>")[1].split("</td>")[0].rsplit(">", 1)[-1]


@pytest.mark.slow
def test_path_2_answers_as_the_explorer_does(real_traces: NotebookRuns) -> None:
    nb = real_traces.run("01_investigate_incident.ipynb").nb  # (test_ux42_real_traces.py checks it too)
    check_executed(nb)
    answer = next(
        o["data"]["text/html"]
        for c in nb.cells
        for o in c.get("outputs", [])
        if "what it means" in o.get("data", {}).get("text/html", "")
    )
    agent, step = _answer_row(answer, "agent"), _answer_row(answer, "step_id")
    incident = re.search(r"<tr>\s*<th>([^<]+)</th>\s*<th></th>", answer).group(1)  # (the table's index name)
    state = nb.metadata["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    said = [
        line
        for m in state.values()
        for line in str(m.get("state", {}).get("value", "")).split("<br>")
        if line.startswith("Log-only BlameModel")
    ]
    shown = [v for m in state.values() if (v := str(m.get("state", {}).get("value", ""))).startswith("<h4")]
    assert len(said) == 1 and len(shown) == 1, (said, shown)
    assert shown[0].startswith(f"<h4 style='margin:4px 0'>{incident}</h4>"), (shown, incident)  # the incident
    assert re.findall(r"<b>(.*?)</b>", said[0])[:2] == [agent, step], (said, agent, step)
