"""The workbench command: one clear line and a non-zero exit on errors, tables an SRE can read."""

from __future__ import annotations

import doctest
import json
import os
import re
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import workbench as wb
import workbench._termtext as termtext
from workbench.cli import main

T0 = 1_767_225_600_000_000_000


pytestmark = pytest.mark.usefixtures("_own_cache")  # (tests/conftest.py)


def _cli(*argv: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "workbench.cli", *argv], capture_output=True, text=True, env=env, timeout=600
    )


def test_sim_ingest_investigate_round_trip_ends_with_its_output_and_store_complete(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # sim, ingest, then investigate as a process: from the command line investigate ends the process without
    # tearing the interpreter down, so the table must be all there and the store closed with every finding in it.
    # (One store for both: the round trip and the process were two tests, each simulating, ingesting and
    # investigating runs of its own.)
    out = tmp_path / "runs.jsonl"
    db = tmp_path / "store.duckdb"
    assert main(["sim", "--runs", "60", "--out", str(out), "--seed", "5"]) == 0
    sim_line = capsys.readouterr().out
    assert main(["ingest", str(out), "--db", str(db), "--quiet"]) == 0
    ingest_line = capsys.readouterr().out
    # both commands count the same thing as "records": the step records
    n_steps = sum(r.n_steps for r in wb.sim.procurement(seed=5).generate(60))
    assert f"{n_steps:,} step records" in sim_line
    assert ingest_line.startswith(f"read {n_steps:,} records") and "quarantined 0" in ingest_line
    proc = _cli("investigate", "--db", str(db), "--quiet", "--all", env=dict(os.environ, COLUMNS="120"))
    assert proc.returncode == 0, proc.stderr
    text = proc.stdout
    with wb.open(db) as ws:  # opened for writing: the command released the file
        n_failed = ws.sql("SELECT count(*) FROM runs WHERE outcome = 'failure'").fetchall()[0][0]
        n_findings = ws.count("findings")
        n_verdicts = ws.sql("SELECT count(*) FROM attributions WHERE unit = 'verdict'").fetchall()[0][0]
    assert n_failed and n_findings and n_verdicts == n_failed
    assert f"60 runs, {n_failed:,} failed" in text
    assert "detectors" in text and "known culprit" in text and "proc-s5-" in text
    lines = text.splitlines()
    assert "known culprit: ground-truth labels, when the store has them." in lines
    # the last line says where the store is and what to open next
    assert text.endswith("\n") and lines[-1].startswith("  ") and "workbench lab --db" in text
    assert f"ws = wb.open({str(db)!r})" in "".join(
        ln.strip() if ln.startswith("  ") else " " + ln for ln in text.splitlines()
    )
    assert sum(ln.startswith("proc-s5-") for ln in lines) == n_failed


def test_investigate_without_replay_uses_the_pretrained_log_only_model(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A Who&When-style log of a system the workbench never saw: no replay, so the verdicts must come
    # from the shipped BlameModel, be stored as its rows, and be marked as log-only in the table.
    folder = tmp_path / "Hand-Crafted"
    folder.mkdir()
    for i, culprit in enumerate(["Planner", "Coder", "Reviewer"]):
        history = [
            {"role": "Planner", "content": f"Plan: read the ledger, then add the {i + 3} rows."},
            {"role": "Computer_terminal", "content": "exitcode: 0 (execution succeeded)\nCode output: 41"},
            {"role": culprit, "content": "The output shows 57 rows; I assume that is about right."},
            {"role": "Reviewer", "content": "Verified: 57 is consistent with the plan. TERMINATE"},
        ]
        (folder / f"{i}.json").write_text(
            json.dumps(
                {
                    "question": f"How many rows in ledger {i}?",
                    "ground_truth": "41",
                    "history": history,
                    "is_correct": False,
                    "question_ID": f"q{i}",
                    "mistake_agent": culprit,
                    "mistake_step": "2",
                    "mistake_reason": "misread the output",
                }
            ),
            encoding="utf-8",
        )
    db = tmp_path / "store.duckdb"
    assert main(["investigate", str(folder), "--db", str(db), "--quiet", "--all"]) == 0
    text = capsys.readouterr().out
    assert "pretrained log-only BlameModel" in text
    with wb.open(db, read_only=True) as ws:
        verdicts = ws.sql(
            "SELECT run_id, target, params->>'decisive_step' FROM attributions "
            "WHERE method = 'blame_model' AND unit = 'verdict'"
        ).fetchall()
        steps = {sid for (sid,) in ws.sql("SELECT step_id FROM steps").fetchall()}
    assert len(verdicts) == 3
    for _, agent, step in verdicts:
        assert agent in {"Planner", "Coder", "Reviewer", "Computer_terminal"} and step in steps
        assert f"{agent[:6]}" in text
    assert (
        text.count("(log") >= 3
    )  # "(log)", or "(log + evidence)" where the run's own evidence was weighed in
    # the agreement line counts the log-only verdicts' decisive steps too (it said 0 % before)
    with wb.open(db, read_only=True) as ws:
        labelled = set(
            ws.sql(
                "SELECT run_id, step_id FROM labels WHERE source = 'ground_truth' AND step_id IS NOT NULL"
            ).fetchall()
        )
    right = sum((run, step) in labelled for run, _, step in verdicts)
    assert f"decisive step is a labelled fault step in {right / 3:.0%}" in " ".join(text.split())


def test_investigate_says_what_to_do_with_runs_of_unknown_outcome(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = tmp_path / "trace.jsonl"
    log.write_text(
        "\n".join(
            json.dumps(r)
            for r in [
                {"record": "run", "run_id": "r1", "outcome": "unknown"},
                {
                    "run_id": "r1",
                    "step_id": "s1",
                    "agent": "a",
                    "kind": "llm",
                    "started_at": "2026-01-01T00:00:00Z",
                    "ended_at": "2026-01-01T00:00:01Z",
                },
                {
                    "run_id": "r1",
                    "step_id": "s2",
                    "agent": "b",
                    "kind": "tool",
                    "tool": "t",
                    "started_at": "2026-01-01T00:00:02Z",
                    "ended_at": "2026-01-01T00:00:03Z",
                },
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    db = tmp_path / "s.duckdb"
    assert main(["investigate", str(log), "--db", str(db), "--quiet"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "1 run, 0 failed, 1 of unknown outcome" in text
    assert "the logs do not say whether this run failed" in text and "ws.label(" in text
    assert "culprits need a replay" not in text
    # --format reaches the ingest; a file that is all quarantined is an error, not an empty table
    assert main(["investigate", str(log), "--format", "whowhen", "--quiet"]) == 2
    captured = capsys.readouterr()
    assert "every record was quarantined" in captured.err and "quarantined 3" in captured.out
    # the labels file that advice asks for, with a typo on one line: its other labels are stored, and neither
    # ingest nor investigate said "nothing stored" / "nothing to investigate" (exit 2)
    labels = tmp_path / "labels.jsonl"
    labels.write_text(
        '{"record": "label", "run_id": "r1", "outcome": "success"}\n'
        '{"record": "label", "run_id": "r1", "outcome": "failed"}\n',
        encoding="utf-8",
    )
    for command in ("ingest", "investigate"):
        assert main([command, str(labels), "--db", str(db), "--quiet"]) == 0, command
        said = " ".join(capsys.readouterr().out.split())
        assert "labels.jsonl:2: label record: outcome must be" in said, command
    assert "1 run, 0 failed, 1 succeeded" in said
    (tmp_path / "notes.txt").write_text("hello\n", encoding="utf-8")
    assert main(["investigate", str(tmp_path / "notes.txt"), "--quiet"]) == 2
    assert "--format NAME" in capsys.readouterr().err


@pytest.mark.slow
def test_investigate_on_the_demo_data_names_culprits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # --jobs 2: a worker process replays beside the detectors whatever the machine's load. (main() in this process:
    # what a process of its own adds, its exit and flush, is test_sim_ingest_investigate_round_trip_ends_with_its_
    # output_and_store_complete's; an interpreter and its imports cost ~2 CPU s more.)
    monkeypatch.setenv("COLUMNS", "120")
    assert main(["investigate", "--limit", "5", "--quiet", "--jobs", "2"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("analysing the demo data")
    # everything the command states is derived here from the store it filled (the cached demo store)
    from workbench.demo import demo_cache_path

    with wb.open(demo_cache_path(), read_only=True) as ws:
        n_runs = ws.count("runs")
        n_failed, n_silent = ws.sql(
            "SELECT count(*), count(*) FILTER (WHERE reported_outcome = 'success') "
            "FROM runs WHERE outcome = 'failure'"
        ).fetchall()[0]
        verdicts = dict(ws.sql("SELECT run_id, target FROM attributions WHERE unit = 'verdict'").fetchall())
        steps = dict(
            ws.sql("SELECT run_id, target FROM attributions WHERE method = 'decisive-step'").fetchall()
        )
        labels = ws.sql(
            "SELECT run_id, agent, step_id FROM labels WHERE source = 'ground_truth' AND agent IS NOT NULL"
        ).fetchall()
    assert f"{n_runs:,} runs, {n_failed:,} failed, {n_silent:,} of them silent" in " ".join(text.split())
    assert len(verdicts) == n_failed
    agents: dict[str, set] = {}
    fault_steps: dict[str, set] = {}
    for run_id, agent, step in labels:
        agents.setdefault(run_id, set()).add(agent)
        fault_steps.setdefault(run_id, set()).add(step)
    judged = [r for r in verdicts if verdicts[r] and r in agents]
    agent_ok = sum(verdicts[r] in agents[r] for r in judged) / len(judged)
    step_ok = sum(steps.get(r) in fault_steps[r] for r in judged) / len(judged)
    flat = " ".join(text.split())  # lines are wrapped at the terminal's width
    line = flat[flat.index("verdicts vs ground truth") :]
    assert f"on {len(judged):,} labelled failed runs" in line
    assert f"culprit agent right in {agent_ok:.0%}" in line and f"fault step in {step_ok:.0%}" in line
    assert agent_ok >= 0.95 and step_ok >= 0.95  # the quality floor of the replay attribution
    assert len([ln for ln in text.splitlines() if ln.startswith("proc-s7-")]) == 5
    assert "SILENT" in text and "silent failure" in flat and "shared" in flat  # the legend explains both
    # a second run reads the cached store: no replays, same answer
    code = main(["investigate", "--limit", "5", "--quiet", "--timings"])
    again = capsys.readouterr().out
    again_flat = " ".join(again.split())  # wrapped where the checkout's path length puts the break
    assert code == 0 and line in again_flat and "(stored in" in again_flat
    assert "detect" not in again.splitlines()[-1]


def _hostile_log(path: Path) -> None:
    esc = "\x1b]0;owned\x07\x1b[2J"
    recs = [
        {"record": "run", "run_id": f"r{esc}1", "outcome": "failure"},
        {
            "record": "step",
            "run_id": f"r{esc}1",
            "step_id": "s0",
            "kind": "system",
            "status": "error",
            "started_at": T0,
            "ended_at": T0 + 10**9,
        },
    ]
    for i in range(1, 4):
        recs.append(
            {
                "record": "step",
                "run_id": f"r{esc}1",
                "step_id": f"s{i}",
                "parent_id": "s0",
                "kind": "tool",
                "agent": f"pricer{esc}\u202e",
                "name": "quote",
                "status": "error",
                "started_at": T0 + i * 10**8,
                "ended_at": T0 + (i + 1) * 10**8,
            }
        )
    recs.append(
        {
            "record": "label",
            "run_id": f"r{esc}1",
            "agent": f"pricer{esc}",
            "step_id": "s1",
            "kind": "hallucination\x07",
            "source": "ground_truth",
        }
    )
    path.write_text("".join(json.dumps(r) + "\n" for r in recs))


def test_investigate_output_is_inert_and_fits_the_terminal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # (in this process: the terminal's width is $COLUMNS, as shutil.get_terminal_size reads it in a process whose
    # output is not a terminal; what the process adds, its exit and flush, is the round trip's above)
    # Two widths, one store: the log investigated into it at 80 columns, the store alone at 120 (they were two
    # parametrised cases, each ingesting, detecting and attributing the log; given the log again, a second call
    # would detect its runs again)
    log = tmp_path / "hostile.jsonl"
    _hostile_log(log)
    db = str(tmp_path / "s.duckdb")
    for columns, given in ((80, [str(log), "--db", db]), (120, ["--db", db])):
        monkeypatch.setenv("COLUMNS", str(columns))
        code = main(["investigate", *given, "--quiet"])
        out, err = capsys.readouterr()
        assert code == 0, err
        for stream in (out, err):
            assert not re.search("[\x00-\x08\x0b-\x1f\x7f\u202e]", stream), (columns, repr(stream))
        assert "^[" in out, columns
        assert all(len(line) <= columns for line in out.splitlines()), columns
        assert "r^[]0;owned^G^[[2J1" in out, columns


def test_the_cached_demo_store_is_named_after_the_package_s_own_files(tmp_path: Path) -> None:
    # the version number stays 0.1.0 between commits of an editable install: a store filled by older readers or
    # detectors was read back as this code's findings (the name hashed the data and the version only)
    from workbench import demo

    pkg = tmp_path / "pkg"
    (pkg / "sql").mkdir(parents=True)
    (pkg / "__pycache__").mkdir()
    (pkg / "a.py").write_text("x = 1\n")
    (pkg / "sql" / "b.sql").write_text("SELECT 1")
    first = demo.package_digest(pkg)
    (pkg / "__pycache__" / "a.cpython.pyc").write_bytes(b"compiled")  # compiling changes nothing
    assert demo.package_digest(pkg) == first
    (pkg / "sql" / "b.sql").write_text("SELECT 2")  # a changed detector's SQL does
    second = demo.package_digest(pkg)
    assert second != first
    (pkg / "sql" / "b.sql").rename(pkg / "b.sql")  # and a moved file
    assert demo.package_digest(pkg) not in (first, second)
    before = demo.demo_cache_path()  # the cached store's name follows the package's files
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(demo, "_PACKAGE", pkg)
        moved = demo.demo_cache_path()
        (pkg / "a.py").write_text("x = 2\n")
        assert demo.demo_cache_path() != moved
    assert moved != before and demo.demo_cache_path() == before


def test_fit_table_cuts_and_drops_columns_to_the_width() -> None:
    rows = [
        ("proc-s7-000002", "SILENT", "a very long list of detectors, " * 3, "executor 25% shared", "x" * 90)
    ]
    headers = ["run", "reported", "detectors", "culprit", "known culprit"]
    for width in (40, 60, 80, 120, 300):
        text = termtext.fit_table(
            rows, headers, width, flexible=["detectors", "known culprit"], drop=["known culprit", "detectors"]
        )
        assert all(len(line) <= width for line in text.splitlines()), (width, text)
        assert "executor 25% shared" in text or width < 60  # the verdict is cut last
    narrow = termtext.fit_table(
        rows, headers, 40, flexible=["detectors", "known culprit"], drop=["known culprit", "detectors"]
    )
    assert "not shown at 40 columns: detectors, known culprit" in " ".join(narrow.split())
    assert "…" in termtext.fit_table(rows, headers, 120, flexible=["detectors", "known culprit"])
    assert termtext.clean("a\u202eb\x9bc\x00") == "a<U+202E>b<U+009B>c^@"
    result = doctest.testmod(termtext)
    assert result.attempted > 0 and result.failed == 0


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["ingest", "/nonexistent/x.jsonl", "--db", "{db}"], "no such file"),
        (["ingest", "{bad}", "--db", "{db}"], "Name one with --format NAME"),
        (["ingest", "{bad}", "--db", "{db}", "--format", "parquet"], "unknown format 'parquet'"),
        (
            ["ingest", "{quarantined}", "--db", "{db}", "--quiet"],
            "every record was quarantined (2): nothing stored",
        ),
        (["sim", "--runs", "-5", "--out", "{out}"], "argument --runs: must be >= 1 (got -5)"),
        (["sim", "--runs", "5", "--fault-rate", "2", "--out", "{out}"], "must be in [0, 1]"),
        (["investigate", "--limit", "0"], "must be >= 1"),
        (["nonsense"], "invalid choice"),
    ],
)
def test_errors_are_one_line_without_traceback(
    tmp_path: Path, argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # main() in this process (the exit status a process gets from it: `sys.exit(main())`; the installed command's
    # own exit status is test_cli41_json.py's): an interpreter and its imports a case cost ~0.4 CPU s, 8 cases
    bad = tmp_path / "notes.txt"
    bad.write_text("just some notes\n")
    quarantined = tmp_path / "broken.jsonl"
    quarantined.write_text(
        '{"record": "step", "run_id": "r1", "step_id": "s1", "started_at": "not a time"}\n'
        '{"record": "step", "run_id": "r1"}\n'
    )
    out = tmp_path / "sim.jsonl"
    argv = [a.format(db=tmp_path / "s.duckdb", bad=bad, quarantined=quarantined, out=out) for a in argv]
    try:
        code = main(argv)
    except SystemExit as e:  # (argparse's own errors exit from inside main(), as in the process)
        code = e.code
    stderr = capsys.readouterr().err
    assert code == 2
    assert stderr.count("\n") == 1 and stderr.startswith("workbench: error:")
    assert message in stderr and "Traceback" not in stderr
    assert "format=" not in stderr
    assert not out.exists()


def test_lab_prepares_the_demo_store_and_opens_jupyterlab(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    calls = []

    class FakeLab:
        def __init__(self, cmd: list[str], env: dict[str, str], preexec_fn: object = None) -> None:
            calls.append((cmd, env))

        def wait(self) -> int:
            return 0

        def poll(self) -> int:
            return 0

    monkeypatch.setattr("workbench.cli.subprocess.Popen", FakeLab)
    monkeypatch.setattr("workbench.cli.shutil.which", lambda name: "/usr/bin/" + name)
    monkeypatch.setattr("workbench.cli.os.geteuid", lambda: 0)
    # The demo data's first 20 runs as the demo file: the store lab prepares is open_demo's, as investigate's of the
    # demo data is (test_investigate_on_the_demo_data_names_culprits reads all 2,000 of data/demo.jsonl.gz); an
    # ingest of all of them here cost 3 of this test's 3.7 CPU s
    from workbench.sim._demo import demo_runs

    demo = tmp_path / "demo.jsonl"
    wb.sim.write_jsonl(demo_runs(20), demo)
    monkeypatch.setattr("workbench.demo.demo_data_path", lambda: demo)
    db = tmp_path / "demo.duckdb"
    assert main(["lab", "--db", str(db), "--no-browser"]) == 0
    ((cmd, env),) = calls
    assert cmd[:2] == ["/usr/bin/jupyter", "lab"] and cmd[3:] == ["--no-browser", "--allow-root"]
    assert cmd[2].startswith("--notebook-dir=") and cmd[2].endswith("notebooks")
    assert env["WORKBENCH_DB"] == str(db)
    out, err = capsys.readouterr()
    assert "running as root: passing --allow-root" in err and f"demo data written to {db}" in " ".join(
        out.split()
    )
    with wb.open(db, read_only=True) as ws:
        assert ws.count("runs") == 20 and ws.sql("SELECT min(run_id) FROM runs").fetchall() == [
            ("proc-s7-000000",)
        ]
    monkeypatch.setattr("workbench.cli.os.geteuid", lambda: 1000)
    calls.clear()
    assert main(["lab", "--db", str(db)]) == 0
    assert "--allow-root" not in calls[0][0]


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_sigterm_to_lab_stops_jupyterlab_too(tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    pid_file = tmp_path / "lab.pid"
    stub = bin_dir / "jupyter"
    stub.write_text(
        textwrap.dedent(f"""\
        #!{sys.executable}
        import os, time
        open({str(pid_file)!r}, "w").write(str(os.getpid()))
        time.sleep(120)
        """)
    )
    stub.chmod(0o755)
    db = tmp_path / "demo.duckdb"
    db.write_bytes(b"")  # exists: no demo to build
    env = dict(os.environ, PATH=f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    log = (tmp_path / "lab.log").open("w")
    lab = subprocess.Popen(
        [sys.executable, "-m", "workbench.cli", "lab", "--db", str(db)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while not pid_file.exists() or not pid_file.read_text():
            assert lab.poll() is None, (tmp_path / "lab.log").read_text()
            assert time.monotonic() < deadline, "the stub JupyterLab never started"
            time.sleep(0.05)
        child = int(pid_file.read_text())
        lab.send_signal(signal.SIGTERM)
        lab.wait(timeout=30)
        deadline = time.monotonic() + 10
        while _alive(child) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _alive(child), "jupyter-lab outlived workbench lab"
    finally:
        if lab.poll() is None:
            lab.kill()
            lab.wait()
        log.close()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie (exited, not yet reaped by its parent) counts as gone
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split(") ")[-1][0] != "Z"
    except OSError:
        return True
