"""Every ```python block of README.md runs, and gives what the README says it gives.

The blocks are read from README.md when the tests run, so a block added or edited later is tested too (a block
this module has no plan for fails, naming its line). The README's blocks tell one story: the first ones build
``ws`` and ``system``, the later ones use them, so each block runs in the namespace an earlier block left
(``_plan`` below), in one temporary folder holding the files it names, written here from the project's own
simulator and test fixtures (never ../shared). A name a user must fill in (their run id, their tracer provider)
is bound by the plan, and must still be a name its block reads. Each statement runs on its own, so a failure
names the README line it is on; an expression statement's value is kept and checked below against what the
README's comment says it gives. The "Command line" usage lines are checked against the parser, and run."""

from __future__ import annotations

import ast
import re
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import workbench as wb

# scipy's KS test on the few runs of a drift window, the drift detector's noise on a small store
pytestmark = pytest.mark.filterwarnings("ignore:ks_2samp. Exact calculation unsuccessful:RuntimeWarning")

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
FIXTURES = ROOT / "tests" / "ingest" / "fixtures"


@dataclass(frozen=True)
class Block:
    line: int  # README line of the block's first line of code
    code: str

    @property
    def opening(self) -> str:
        return self.code.splitlines()[0]


def python_blocks(text: str) -> list[Block]:
    """Every fenced ```python block of a markdown text, with its line."""
    blocks, code, start = [], None, 0
    for number, line in enumerate(text.splitlines(), 1):
        if code is None and line.strip() == "```python":
            code, start = [], number + 1
        elif code is not None and line.strip() == "```":
            blocks.append(Block(start, "\n".join(code) + "\n"))
            code = None
        elif code is not None:
            code.append(line)
    assert code is None, f"README.md:{start}: a ```python block is never closed"
    return blocks


BLOCKS = python_blocks(README.read_text(encoding="utf-8"))


def block(key: str) -> Block:
    """The one block whose first line starts with `key` (the README's blocks are told apart by it)."""
    found = [b for b in BLOCKS if b.opening.startswith(key)]
    assert len(found) == 1, f"README.md: {len(found)} ```python blocks open with {key!r}; this test expects 1"
    return found[0]


@dataclass
class Ran:
    """What a block's statements gave: statement source -> value (None for a statement that is no expression)."""

    block: Block
    values: dict[str, Any]
    ns: dict[str, Any]

    def __getitem__(self, opening: str) -> Any:
        found = [src for src in self.values if src.startswith(opening)]
        assert len(found) == 1, (
            f"README.md:{self.block.line}: {len(found)} statements of the block start with "
            f"{opening!r}; the test checks what that line gives"
        )
        return self.values[found[0]]


def run_statements(b: Block, ns: dict[str, Any], transform: Callable[[str], str] = lambda s: s) -> Ran:
    """Run a block statement by statement in `ns`, each failure naming its README line."""
    code = transform(b.code)
    try:
        tree = ast.parse(code)
    except SyntaxError as exc:
        pytest.fail(
            f"README.md:{b.line + (exc.lineno or 1) - 1}: the ```python block is not Python: {exc.msg}"
        )
    values: dict[str, Any] = {}
    for stmt in tree.body:
        src = ast.get_source_segment(code, stmt) or ""
        where = f"README.md:{b.line + stmt.lineno - 1}"
        try:
            if isinstance(stmt, ast.Expr):
                value = eval(compile(ast.Expression(stmt.value), where, "eval"), ns)  # noqa: S307 - the README's code
            else:
                exec(compile(ast.Module([stmt], []), where, "exec"), ns)  # noqa: S102 - the README's code
                value = None
        except Exception as exc:  # noqa: BLE001 - reported with the README line
            pytest.fail(f"{where}: `{src.splitlines()[0]}` raised {type(exc).__name__}: {exc}")
        values[src] = value
    return Ran(b, values, ns)


# --- the plan: which block runs after which, and the names a user fills in ------------------------------------


def _plan() -> dict[str, tuple[str | None, Callable[[dict[str, Any]], dict[str, Any]]]]:
    """Each block, told by how its first line starts: the block whose namespace it runs in (None: a fresh one),
    and the names a user fills in (their run id, their tracer provider), each of which the block must still
    read. A name the story made (``ws``, ``system``, ``policy``) is the story's."""
    from opentelemetry.sdk.trace import TracerProvider

    def calls(ns: dict[str, Any]) -> list[Any]:
        return ns.setdefault("_calls", [])  # what the user's hooks were handed

    return {
        "import workbench as wb": (None, lambda ns: {"run_id": ns["_run_id"]}),  # a failed run of theirs
        "findings = wb.detect(ws)": (
            "import workbench as wb",
            lambda ns: {"value_fn": lambda s: float(len(s) >= 2), "players": ["a", "b", "c"]},
        ),  # any coalition game
        "wb.available_signals(ws)": (
            "findings = wb.detect(ws)",
            lambda ns: {"page_a_human": calls(ns).append, "call_model": lambda: 0.42},
        ),
        "from opentelemetry.sdk": ("wb.available_signals(ws)", lambda ns: {"provider": TracerProvider()}),
        "from workbench.guard_spans": (
            "from opentelemetry.sdk",
            lambda ns: {"stop_my_run": calls(ns).append},
        ),
        "from workbench import plots": (
            "from workbench.guard_spans",
            lambda ns: {
                "model": wb.BlameModel.pretrained(),
                "fn": lambda run_id, step_id: {"stock": {"SKU-1": 3}},
            },
        ),
        "ws.snapshot(": ("from workbench import plots", lambda ns: {}),
        "%load_ext workbench": (None, lambda ns: {}),  # IPython: run line by line in an IPython shell (below)
    }


def test_every_python_block_has_a_plan() -> None:
    plan = _plan()
    unplanned = [
        f"README.md:{b.line}: {b.opening!r}"
        for b in BLOCKS
        if not any(b.opening.startswith(key) for key in plan)
    ]
    assert not unplanned, "```python blocks this test does not run (add them to _plan): " + "; ".join(
        unplanned
    )
    for key in plan:
        block(key)  # each planned block is there, once


def _simulated_traces(folder: Path, runs: list[Any]) -> None:
    """The simulator's runs as native JSONL, in two files (the quick start's "traces/*.jsonl"). Written in the
    records' own key order: `write_jsonl` sorts keys, and the same run then given as objects would differ
    from the stored one in its JSON text (quarantined as a conflict)."""
    import json

    folder.mkdir()
    for name, part in (("a", runs[: len(runs) // 2]), ("b", runs[len(runs) // 2 :])):
        with open(folder / f"{name}.jsonl", "w", encoding="utf-8") as f:
            f.writelines(json.dumps(rec) + "\n" for run in part for rec in run.to_records())


class Story:
    """The README's blocks run once each, in order, in one temporary folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        runs = list(wb.sim.procurement(seed=0).generate(40))  # the quick start's system: seed 0
        _simulated_traces(folder / "traces", runs)
        self.run_id = next(r.run_id for r in runs if r.outcome == "failure")
        self.ran: dict[str, Ran] = {}

    def __call__(self, key: str) -> Ran:
        """The block planned as `key`, run (once) after the blocks before it."""
        if key not in self.ran:
            before, fill = _plan()[key]
            ns = dict(self(before).ns) if before else {"_run_id": self.run_id}
            b = block(key)
            for name, value in fill(ns).items():
                assert re.search(rf"\b{name}\b", b.code), (
                    f"README.md:{b.line}: the block no longer uses {name!r}: drop it from the test's plan"
                )
                ns[name] = value
            self.ran[key] = run_statements(b, ns)
        return self.ran[key]


@pytest.fixture(scope="module")
def story(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Story]:
    import os

    folder = tmp_path_factory.mktemp("readme")
    cwd = os.getcwd()
    os.chdir(folder)
    story = Story(folder)
    try:
        yield story
    finally:
        os.chdir(cwd)
        # the user's tracer provider: its batch processor flushed and stopped now, not at the interpreter's exit
        for provider in {
            id(r.ns["provider"]): r.ns["provider"] for r in story.ran.values() if "provider" in r.ns
        }.values():
            provider.shutdown()


# --- what each block says its lines give ----------------------------------------------------------------------


def test_quick_start(story: Story) -> None:
    r = story("import workbench as wb")
    ns = r.ns
    report = ns["report"]  # print(report): read = stored + quarantined, always
    assert report.read == report.stored + report.quarantined == 1030 and report.runs == 40
    assert str(report).startswith(f"read {report.read:,} records: stored {report.stored:,}")
    assert (story.folder / "incidents.duckdb").is_file() and wb.open().path is None  # wb.open() is in memory
    failed = r['ws.runs(outcome="failure")']
    assert isinstance(failed, pd.DataFrame) and len(failed) and set(failed.outcome) == {"failure"}
    steps = r["ws.steps(run_id)"]  # every span / turn of a run, in order, with its agent
    assert set(steps.run_id) == {story.run_id} and steps.agent.notna().any()
    assert list(steps.seq) == sorted(steps.seq)
    by_agent = r['ws.sql("SELECT agent']  # a DuckDB relation, values given as parameters
    assert by_agent.fetchall() and by_agent.columns[0] == "agent"
    labels = (
        ns["ws"]
        .sql(
            "SELECT agent, step_id, kind FROM labels WHERE run_id = ? AND source <> 'ground_truth'",
            [story.run_id],
        )
        .fetchall()
    )
    assert ("pricer", "s0012", "hallucination") in labels
    assert r['ws.export("store_parquet/")'] == Path("store_parquet")
    days = {p.name for p in (story.folder / "store_parquet" / "steps").iterdir()}
    assert days and all(d.startswith("day=") for d in days), days  # partitioned by day
    back = r['wb.open("store_parquet/")']  # queried back in place
    assert back.read_only and len(back.runs()) == 40
    merged = r['wb.open("all.duckdb").ingest("store_parquet/")']  # every table
    assert merged.added == merged.stored == 1030 and merged.labels > 0
    with wb.open("all.duckdb") as again:  # ... again adds nothing
        assert again.ingest("store_parquet/", progress=False).added == 0
        for table in ("runs", "steps", "edges", "labels"):
            assert (
                again.sql(f"SELECT count(*) FROM {table}").fetchall()
                == back.sql(  # noqa: S608 - fixed names
                    f"SELECT count(*) FROM {table}"
                ).fetchall()
            ), table
    sim = r["ws.ingest(system.generate(n_runs=500))"]
    # the 40 runs of traces/ are the system's first 40: stored again as themselves, nothing quarantined
    assert sim.quarantined == 0 and sim.runs == 500 and len(ns["ws"].runs()) == 500
    replayed = r['system.replay(run_id, wb.Intervention(agents={"pricer"}))']  # counterfactual re-run
    assert isinstance(replayed, wb.ReplayResult) and replayed.outcome in {"success", "failure"}


def test_detect_and_attribute(story: Story) -> None:
    r = story("findings = wb.detect(ws)")
    ns = r.ns
    findings = ns["findings"]
    assert len(findings) and {"loop", "retry", "silent_failure"} <= set(findings.detector)
    verdict = r["res.verdict"]  # Verdict(culprit=..., decisive_step=..., confidence=..., ...)
    assert verdict.culprit in set(ns["ws"].steps(story.run_id).agent) and verdict.decisive_step.startswith(
        "s"
    )
    assert 0 < verdict.confidence <= 1 and verdict.ambiguous is False
    values = r["res.values"]  # blame per agent with confidence bounds
    assert {"player", "blame", "blame_low", "blame_high"} <= set(values.columns)
    assert (values.blame_low <= values.blame).all() and (values.blame <= values.blame_high).all()
    stored = (
        ns["ws"].sql("SELECT count(*) FROM attributions WHERE run_id = ?", [story.run_id]).fetchall()[0][0]
    )
    assert stored >= len(values)  # also written to the attributions table
    sampled = r['wb.attribute(ws, run_id, system.replay, unit="step"']  # sampled, with CIs
    assert {"ci_low", "ci_high"} <= set(sampled.values.columns) and sampled.values.player.str.startswith(
        "s"
    ).all()
    v = ns["v"]  # any coalition game: here v(S) = 1 when S holds two players
    assert v.method == "exact" and list(v.values.value) == pytest.approx([1 / 3] * 3)


def _listed_after(b: Block, marker: str) -> list[str]:
    """The comma-separated names a block's comment lists after `marker`, over its continuation lines."""
    lines = b.code.splitlines()
    start = next(i for i, line in enumerate(lines) if marker in line)
    text = lines[start].split(marker, 1)[1]
    for line in lines[start + 1 :]:
        code, _, comment = line.partition("#")
        if code.strip():
            break
        text += " " + comment
    return [name.strip() for name in text.split(",")]


def test_thresholds_policy_and_guard(story: Story) -> None:
    r = story("wb.available_signals(ws)")
    ns, ws = r.ns, r.ns["ws"]
    signals = r["wb.available_signals(ws)"]
    assert {"entropy", "confidence"} <= set(signals.signal[signals.steps > 0])  # the simulator logs logprobs
    sweep = ns["sweep"]
    listed = _listed_after(r.block, "tidy DataFrame:")
    assert list(sweep.curve.columns) == listed  # the columns the README names, in its order
    point = r["sweep.at(0.8)"]  # SweepPoint (same fields) at any threshold
    assert point.threshold == 0.8 and [f for f in listed if not hasattr(point, f)] == []
    assert r["sweep.best"].cost == sweep.curve.cost.min()  # cheapest (no budget)
    assert set(r["by_agent.best_per_agent"].threshold) >= {"pricer", "executor"}
    per_agent = r['by_agent.at({"pricer": 0.8, "executor": None})']
    assert per_agent.threshold["pricer"] == 0.8 and per_agent.threshold["executor"] is None
    assert {"signal", "steps", "share"} <= set(r["sweep.signals_available"].columns)
    calibration = r["wb.confidence_calibration(ws, n_bins=10)"]
    assert isinstance(calibration, pd.DataFrame) and 0 < len(calibration) <= 10
    tunable = r["wb.what_can_be_tuned(ws)"]
    assert "entropy" in str(tunable)
    limits = ns["limits"]
    assert set(limits.table.system) == {"procurement"}
    assert isinstance(r['limits.stopped("procurement", "max_repeats")'], pd.DataFrame)
    assert r["limits.at(0.95)"].quantile == 0.95
    assert isinstance(r["limits.summary()"], pd.DataFrame)
    policy = ns["policy"]
    assert (story.folder / "policy.yaml").is_file()
    written, read = (
        ns["limits"].to_policy("procurement"),
        wb.Policy.from_yaml("policy.yaml"),
    )  # read back alike
    assert [getattr(read, f) for f in ("breakers", "budgets", "loops", "hitl")] == [
        getattr(written, f) for f in ("breakers", "budgets", "loops", "hitl")
    ] and read.provenance.runs == 500
    assert r["wb.Policy.json_schema()"]["properties"].keys() >= {"breakers", "budgets", "loops", "hitl"}
    report = ns["report"]
    assert {"rule", "review_rate", "run_ids"} <= set(report.table.columns) and "total" in set(
        report.table.rule
    )
    assert isinstance(r['report.rule_runs("max_tool_calls_run")'], pd.DataFrame)
    meets = r["report.meets(prevented=0.5, review_rate=0.1)"]
    assert isinstance(bool(meets), bool) and "review rate" in str(meets)
    held_out = r['wb.backtest(policy, ws, runs=ws.runs().query("run_id not in @old.run_id"))']
    assert held_out.summary["runs"] == len(ws.runs()) - len(ns["old"]) == 150  # backtested on the others only
    assert policy.provenance.runs == 350  # learnt from the older 350
    guard = ns["guard"]
    assert isinstance(guard, wb.Guard)
    assert ns["s"].confidence == 0.42  # set inside guard.run / guard.step


def yaml_block() -> str:
    found = re.findall(r"^```yaml\n(.*?)^```", README.read_text(encoding="utf-8"), re.M | re.S)
    assert len(found) == 1, f"README.md: {len(found)} ```yaml blocks; this test expects the policy file's"
    return found[0]


def test_the_policy_file_shown_loads_and_its_guard_cuts(story: Story) -> None:
    # The README's policy file is a valid one; and `guard.before_step(...)   # raises PolicyViolation` when
    # a rule cuts, naming the rule, the value and the limit.
    (story.folder / "shown.yaml").write_text(yaml_block(), encoding="utf-8")
    policy = wb.Policy.from_yaml(story.folder / "shown.yaml")
    assert policy.budgets.max_tool_calls_run == 25 and policy.hitl[0].agent == "retriever"
    guard = wb.Guard(policy, on_escalate=story("wb.available_signals(ws)").ns["page_a_human"])
    with pytest.raises(wb.PolicyViolation, match=r"max_tool_calls_run.*26.*25"):
        for n in range(26):  # three agents in turn, none reaching max_tool_calls_agent (10)
            agent = ("pricer", "retriever", "executor")[n // 9]
            guard.before_step("r-cut", agent, "tool", tool="get_price", args={"sku": f"A{n}"})
            guard.after_step("r-cut", agent, "tool", tool="get_price", args={"sku": f"A{n}"}, status="ok")


def test_live_capture_and_the_guard_on_spans(story: Story) -> None:
    # The two OpenTelemetry blocks on one tracer provider (the user's): spans an instrumented agent writes are
    # stored in live.duckdb, and the guard cuts the run a repeated tool call loops in, calling on_cut once.
    import json

    ns = story("from workbench.guard_spans").ns
    repeats = ns["policy"].loops.max_repeats
    assert repeats is not None, "the story's policy (policy_from_findings) has a loop limit"
    tracer = ns["provider"].get_tracer("readme")
    call = {
        "gen_ai.operation.name": "execute_tool",
        "gen_ai.tool.name": "get_price",
        "gen_ai.tool.call.arguments": json.dumps({"sku": "A"}),
    }
    with tracer.start_as_current_span(
        "invoke_agent pricer",
        attributes={"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "pricer"},
    ):
        assert ns["guard"].should_stop() is False
        for _ in range(repeats + 2):
            with tracer.start_as_current_span("execute_tool get_price", attributes=call):
                pass
        assert ns["guard"].should_stop() is True  # inside the run: the current span's trace
    assert story("from workbench.guard_spans")["guard.should_stop()"] is False
    cuts = [d for d in ns["_calls"] if getattr(d, "action", None) == "cut"]
    assert [(d.rule, d.tool, d.phase) for d in cuts] == [("max_repeats", "get_price", "start")]
    ns["provider"].force_flush()
    with wb.open("live.duckdb") as live:  # the exporter's store, in this process
        assert len(live.runs()) == 1
        assert live.sql("SELECT kind, count(*) FROM steps GROUP BY kind ORDER BY kind").fetchall() == [
            ("agent", 1),
            ("tool", repeats + 2),
        ]


def test_notebook_widgets_and_charts(story: Story) -> None:
    # Built in Python here, on the story's store. Drawn in JupyterLab by tests/browser: every view in the
    # notebooks (test_notebooks_in_lab), the explorer (test_ux16_explorer_fits_in_lab, test_ux24_log_only_in_lab),
    # the tuners (test_ux13_views_in_lab, test_ux12_limit_tuner_in_lab), drift (test_ux18_shown_in_lab) and the
    # findings overview (test_ux34_in_lab).
    from workbench.widgets import DriftMonitor, FindingsOverview, IncidentExplorer, LimitTuner, ThresholdTuner

    r = story("from workbench import plots")
    assert isinstance(r["IncidentExplorer(ws)"], IncidentExplorer)
    explorer = r["IncidentExplorer(ws, replay=system.replay, blame_model=model, snapshot=fn)"]
    assert isinstance(explorer, IncidentExplorer)
    assert isinstance(r['ThresholdTuner(ws, signal="entropy"'], ThresholdTuner)
    assert isinstance(r["LimitTuner(ws, quantile=0.99)"], LimitTuner)
    assert isinstance(r["DriftMonitor(ws)"], DriftMonitor) and isinstance(
        r["FindingsOverview(ws)"], FindingsOverview
    )
    assert r['plots.save(chart, "timeline.png")'] == Path("timeline.png")
    assert (story.folder / "timeline.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_readers_of_a_store_another_process_writes(story: Story) -> None:
    r = story("ws.snapshot(")
    ws = r.ns["ws"]
    snap = r['wb.open("incidents.snapshot.duckdb", read_only=True)']
    assert snap.read_only and len(snap.runs()) == len(ws.runs()) == 500
    assert r['ws.export("store_parquet/")'] == Path("store_parquet")
    copy = r['wb.open("store_parquet/").copy()']  # in memory and writable
    assert copy.path is None and not copy.read_only and len(copy.runs()) == 500
    copy.label(copy.runs().run_id.iloc[0], outcome="failure")
    # the quick start's merge, now with findings and verdicts in the export: "every table"
    with wb.open("merged.duckdb") as merged:
        merged.ingest("store_parquet/", progress=False)
        for table in ("findings", "attributions"):
            count = f"SELECT count(*) FROM {table}"  # noqa: S608 - fixed names
            assert merged.sql(count).fetchall() == ws.sql(count).fetchall() != [(0,)], table


def test_the_magics_block_in_ipython(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # IPython code: each line run as a cell of an IPython shell, comments after a magic included (a user pastes
    # them). The trace file is one of the project's OTLP fixtures (openai-agents via OpenLLMetry, a tool crash).
    from IPython.testing.globalipapp import get_ipython

    b = block("%load_ext workbench")
    shutil.copy(
        FIXTURES / "openllmetry" / "openai_agents_tool_crash.otlp.jsonl", tmp_path / "traces.otlp.jsonl"
    )
    monkeypatch.chdir(tmp_path)
    ip = get_ipython()
    ip.user_ns.pop("ws", None)
    results = {}
    for number, line in enumerate(b.code.splitlines(), b.line):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        result = ip.run_cell(line)
        if not result.success:
            pytest.fail(
                f"README.md:{number}: `{line.split('#')[0].strip()}` failed in IPython: "
                f"{result.error_before_exec or result.error_in_exec!r}"
            )
        results[line.split("#")[0].strip()] = result.result
    ws = ip.user_ns["ws"]  # sets `ws`
    assert isinstance(ws, wb.Workspace) and (tmp_path / "traces.duckdb").is_file()
    assert len(ws.runs()) == 1 and set(ws.runs().outcome) == {"failure"}
    table = results["%workbench investigate"]  # the investigate table as HTML, on `ws`
    assert "<table" in table._repr_html_() and ws.runs().run_id[0][:8] in table._repr_html_()
    assert results["ws"] is ws and "runs" in ws._repr_html_()  # a Workspace displays as a summary


# --- the command line -----------------------------------------------------------------------------------------


def synopsis() -> dict[str, list[str]]:
    """The "Command line" section's usage lines: command -> the flags it shows."""
    text = README.read_text(encoding="utf-8").split("\n## Command line\n", 1)[1].split("\n## ", 1)[0]
    lines = [line.strip() for line in text.splitlines() if line.startswith("    workbench ")]
    assert lines, 'README.md: no usage lines (indented `workbench ...`) under "## Command line"'
    # a command with actions of its own (`workbench policy suggest ...`) is keyed "policy suggest"
    return {
        " ".join(w for w in line.split()[1:3] if w.isalpha() and w.islower()): re.findall(
            r"--[a-z][a-z-]*", line.split("#")[0]
        )
        for line in lines
    }


def _commands() -> dict[str, object]:
    """Every command's parser by name, a command's actions as "policy suggest"."""
    from workbench.cli import build_parser

    out = {}
    for name, parser in build_parser()._subparsers._group_actions[0].choices.items():  # noqa: SLF001 - argparse keeps them there
        nested = parser._subparsers  # noqa: SLF001
        if nested is None:
            out[name] = parser
        else:
            out.update({f"{name} {action}": p for action, p in nested._group_actions[0].choices.items()})  # noqa: SLF001
    return out


def test_the_usage_lines_name_every_flag_and_only_flags_that_exist(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from workbench.cli import main

    commands = _commands()
    shown = synopsis()
    assert set(shown) == set(commands)
    for command, flags in shown.items():
        with pytest.raises(SystemExit) as done:
            main([*command.split(), "--help"])
        assert done.value.code == 0
        helped = capsys.readouterr().out
        real = {o for a in commands[command]._actions for o in a.option_strings if o.startswith("--")} - {
            "--help"
        }
        assert sorted(set(flags)) == sorted(real), (
            f"workbench {command}: README shows {flags}, the parser has {real}"
        )
        assert all(flag in helped for flag in flags)


def test_the_commands_do_what_the_section_says(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from workbench.cli import main

    monkeypatch.setenv("WORKBENCH_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("COLUMNS", "120")
    out, db = tmp_path / "runs.jsonl", tmp_path / "mine.duckdb"
    assert main(["sim", "--runs", "20", "--out", str(out), "--seed", "5", "--fault-rate", "0.6"]) == 0
    steps = sum(r.n_steps for r in wb.sim.procurement(seed=5, fault_rate=0.6).generate(20))
    assert f"wrote 20 runs, {steps:,} step records" in capsys.readouterr().out  # "records": step records
    assert main(["ingest", str(out), "--db", str(db), "--format", "native", "--quiet"]) == 0
    assert capsys.readouterr().out.startswith(f"read {steps:,} records: stored {steps:,}")
    assert (
        main(
            [
                "investigate",
                "--db",
                str(db),
                "--limit",
                "2",
                "--no-attribute",
                "--jobs",
                "1",
                "--quiet",
                "--timings",
            ]
        )
        == 0
    )
    text = capsys.readouterr().out
    with wb.open(db, read_only=True) as ws:
        failed = ws.runs(outcome="failure", silent=True)
    assert f"20 runs, {len(failed)} failed" in text and len(failed) > 2
    assert "first 2 shown" in text and sum(run_id in text for run_id in failed.run_id) == 2  # --limit 2
    assert re.search(r"^seconds: detect \d", text, re.M)  # --timings: each phase's seconds
    # Errors are one line and a non-zero exit: bad arguments exit 2, as does --db FILE when FILE does not exist
    for argv in (
        ["sim", "--runs", "-5", "--out", str(out)],
        ["sim", "--fault-rate", "2", "--out", str(out)],
        ["investigate", "--db", str(tmp_path / "missing.duckdb")],
    ):
        assert _exit_code(main, argv) == 2
        err = capsys.readouterr().err
        assert err.startswith("workbench: error: ") and err.count("\n") == 1, err
    assert not (tmp_path / "missing.duckdb").exists()


def _exit_code(main: Callable[[list[str]], int], argv: list[str]) -> int:
    try:
        return main(argv)
    except SystemExit as exc:  # argparse's errors
        return int(exc.code or 0)


def test_the_native_format_example_ingests(tmp_path: Path) -> None:
    # "The native JSONL format": the README's records (wrapped there to fit the page), one a line in a file.
    found = re.findall(r"^```json\n(.*?)^```", README.read_text(encoding="utf-8"), re.M | re.S)
    assert len(found) == 1, f"README.md: {len(found)} ```json blocks; this test expects the native format's"
    records: list[str] = []
    for line in found[0].splitlines():
        if line.startswith("{"):
            records.append(line)
        else:
            records[-1] += " " + line.strip()
    (tmp_path / "native.jsonl").write_text("\n".join(records) + "\n", encoding="utf-8")
    ws = wb.open()
    report = ws.ingest(tmp_path / "native.jsonl", progress=False)
    assert (report.read, report.stored, report.quarantined, report.labels) == (1, 1, 0, 1)
    # (a label is no step record: the report says it read one, as "read 1 record" alone did not)
    assert "1 run touched; 1 label read" in str(report) and ", labels 1" in report._repr_html_(), str(report)
    step = ws.steps("r1").iloc[0]
    # confidence = exp(mean token logprob); entropy of a one-token top-k: 0; an end given in integer nanoseconds
    assert step.confidence == pytest.approx(2.718281828**-0.01) and step.entropy == 0
    assert str(step.ended_at) == "2026-01-01 00:00:01.900000" and step.agent == "pricer"
    assert ws.edges("r1")[["src_step", "dst_step", "kind"]].values.tolist() == [
        ["s0001", "s0004", "consumes"]
    ]
    run = ws.runs().iloc[0]
    assert (run.reported_outcome, run.outcome) == ("success", "failure")  # the label says how it really ended
