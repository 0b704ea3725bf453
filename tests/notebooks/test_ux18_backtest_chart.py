"""Notebook 03's held-out backtest chart, drawn by the notebook's own cell from a backtest table: no empty rows
(a rule that did nothing is named under the title, not given a row of zero-length bars) and the effects in
words in the legend (was failures_prevented / successes_lost / runs_escalated)."""

from __future__ import annotations

import ast
import types
from pathlib import Path

import altair as alt
import nbformat
import pandas as pd

NB = Path(__file__).resolve().parents[2] / "notebooks" / "03_export_policy.ipynb"


def _chart(table: pd.DataFrame) -> dict:
    cells = [c for c in nbformat.read(NB, as_version=4).cells if c.cell_type == "code"]
    [cell] = [c for c in cells if "Held-out backtest: what each rule did" in c.source]
    shown: list = []
    # the cell as the notebook runs it (under its "a policy was learned" test), what it displays kept
    env = {"pd": pd, "alt": alt, "held_out": types.SimpleNamespace(table=table), "policy": object(),
           "display": shown.append}
    # the rule labels of the per-rule table's cell (its functions only), which the chart shares
    [defs] = [c for c in cells if "def rule_label" in c.source]
    tree = ast.parse(defs.source)
    # (the cell's functions, at its top level or under its "a policy was learned" test)
    top = [n for node in tree.body for n in ([node] if not isinstance(node, ast.If) else node.body)]
    exec(compile(ast.Module([n for n in top if isinstance(n, ast.FunctionDef)], []), "defs", "exec"), env)  # noqa: S102
    exec(cell.source, env)  # noqa: S102 - the repository's own notebook cell
    [chart] = [x for x in shown if isinstance(x, alt.TopLevelMixin)]
    return chart.to_dict()


def test_backtest_chart_has_no_empty_rows_and_readable_effects() -> None:
    table = pd.DataFrame({"rule": ["max_handoffs", "max_repeats", "hitl:entropy>=0.94@pricer", "total"],
                          "failures_prevented": [0, 0, 2, 2], "successes_lost": [0, 3, 0, 3],
                          "runs_escalated": [0, 0, 6, 6]})
    spec = _chart(table)
    rows = spec["datasets"][spec["data"]["name"]]
    assert rows and all(r["runs"] > 0 for r in rows), rows
    assert {r["rule"] for r in rows} == {"max_repeats", "review pricer"}     # (the table's label: ux38)
    assert not [r for r in rows if "_" in r["effect"]], rows
    assert set(spec["encoding"]["color"]["scale"]["domain"]) == {"failures prevented", "successes stopped",
                                                                  "runs sent to a human"}
    assert "max_handoffs" in str(spec["title"].get("subtitle", "")), spec["title"]


def test_backtest_chart_counts_whole_runs_on_its_axis() -> None:
    """(ux48) With one run at most its axis read "0 1 1" (a tick at 0.5 written as a whole number): on the eight
    framework desks, notebook 03's held-out runs had one run per rule."""
    table = pd.DataFrame({"rule": ["max_pingpong", "total"], "failures_prevented": [1, 1], "successes_lost": [1, 1],
                          "runs_escalated": [0, 0]})
    assert _chart(table)["encoding"]["x"]["axis"]["values"] == [0, 1]


def test_the_exported_policy_is_shown_in_whole_lines(tmp_path: Path, monkeypatch: object) -> None:
    """(ux48) The export cell printed the file's first 1,200 characters: on the framework desks it ended mid-note
    ("- 'max_step_latency_ms 736: "), unsaid. It shows whole lines now, and says how many more the file holds."""
    import workbench as wb

    monkeypatch.chdir(tmp_path)  # type: ignore[attr-defined]
    cells = [c for c in nbformat.read(NB, as_version=4).cells if c.cell_type == "code"]
    [cell] = [c for c in cells if 'path = "policy.yaml"' in c.source]
    notes = tuple(f"max_step_latency_ms {n}: p99 of the 14 successful runs' peaks; stops 0 failed" for n in range(30))
    shown: list[str] = []
    policy = wb.Policy(provenance=wb.policy.Provenance(notes=notes))
    exec(cell.source, {"wb": wb, "policy": policy, "print": shown.append})  # noqa: S102 - the notebook's own cell
    [text] = shown
    file = (tmp_path / "policy.yaml").read_text("utf-8").splitlines()
    assert text.splitlines()[:-1] == file[:40] and text.endswith(f"… {len(file) - 40} more lines in policy.yaml")
