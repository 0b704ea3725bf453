"""What importing workbench costs a fresh process: its packages, CLI help, notebook imports, a tuner's build.

Usage::

    python bench/imports.py                          # this checkout only, 5 processes a case
    python bench/imports.py --baseline-python .venv/bin/python --baseline-path /tmp/imports54/base --runs 5

Every kernel a user starts, every notebook the browser tests run, every ``workbench`` command and subprocess
pays the imports of the modules it touches, so each case runs in ``--runs`` fresh interpreters of its own
(``python -c CODE`` in an empty folder: ``-c`` puts the working directory first on ``sys.path``, so run from a
checkout it would import that checkout's package whatever ``PYTHONPATH`` says), and the table gives the median
CPU seconds of such a process (user + system, from ``os.wait4``: the interpreter's start included, as a user
pays it), its median peak RSS, and which heavy third-party packages the case left loaded. The baseline
(``--baseline-python``, with ``--baseline-path`` put first on its ``PYTHONPATH``: another checkout, e.g. ``git
archive`` of an older commit) runs the same cases, alternating with ours process by process so both see the
same machine load. The ratio is baseline over ours (>1: ours is cheaper). 2 shared cores: the load average
is printed before and after.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile

HEAVY = ("sklearn", "scipy", "shap", "altair", "ipywidgets", "pandas", "pyarrow", "duckdb", "IPython")

_HELP = (
    "import sys\nfrom workbench.cli import main\nsys.argv[0] = 'workbench'\n"
    "try:\n    main({argv})\nexcept SystemExit:\n    pass"
)

# the imports of notebooks/01_investigate_incident.ipynb's first code cell (its demo store left out: that is
# the store's cost, not the imports')
_NOTEBOOK = (
    "import warnings\nimport altair as alt\nimport pandas as pd\nfrom IPython.display import HTML\n"
    "import workbench as wb\nfrom workbench import plots\n"
    "from workbench.widgets import DriftMonitor, FindingsOverview, IncidentExplorer\nplots.enable_offline()"
)

# a tuner opened on a small store of confidences: its calibration panel is drawn in the build (the store's ingest is
# in the figure too, the same on both sides)
_TUNER = (
    "import warnings\nwarnings.simplefilter('ignore')\nimport workbench as wb\n"
    "from workbench.widgets import ThresholdTuner\nws = wb.open()\n"
    "ws.ingest(wb.sim.procurement(seed=3, fault_rate=0.4).generate(20), progress=False)\n"
    "assert type(ThresholdTuner(ws).calibration.children[0]).__name__ == 'JupyterChart'"
)

CASES = {
    "import workbench": "import workbench",
    "import workbench.policy": "import workbench.policy",
    "from workbench import Guard": "from workbench import Guard",
    "from workbench import suggest_limits": "from workbench import suggest_limits",
    "import workbench.thresholds": "import workbench.thresholds",
    "import workbench.widgets": "import workbench.widgets",
    "import workbench.plots": "import workbench.plots",
    "workbench --help": _HELP.format(argv="['--help']"),
    "workbench investigate --help": _HELP.format(argv="['investigate', '--help']"),
    "notebook 01, first cell's imports": _NOTEBOOK,
    "ThresholdTuner on 20 sim runs": _TUNER,
}


def _one(python: str, code: str, path: str | None, cwd: str) -> tuple[float, float, str]:
    """CPU seconds and peak RSS (MB) of a fresh interpreter running ``code``; the heavy packages it loaded."""
    env = dict(os.environ)
    if path:
        env["PYTHONPATH"] = os.pathsep.join(p for p in (path, env.get("PYTHONPATH")) if p)
    probe = code + f"\nimport sys\nprint('HEAVY', ','.join(m for m in {HEAVY!r} if m in sys.modules) or '-')"
    proc = subprocess.Popen(
        [python, "-c", probe], env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    out = proc.stdout.read() if proc.stdout else ""
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{python} -c {code!r} exited {proc.returncode}")
    heavy = next((line[6:] for line in out.splitlines() if line.startswith("HEAVY ")), "?")
    return usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, heavy


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--cases", nargs="+", default=list(CASES), choices=CASES, metavar="CASE")
    parser.add_argument("--baseline-python", default=None)
    parser.add_argument("--baseline-path", default=None, help="put first on the baseline's PYTHONPATH")
    parser.add_argument(
        "--as-tests",
        action="store_true",
        help="block rfc3987_syntax as tests/conftest.py does (jsonschema's format checker, under altair)",
    )
    args = parser.parse_args()
    if args.baseline_python:  # the children run in another folder
        args.baseline_python = os.path.abspath(args.baseline_python)
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(
        f"load average before: {load}, {os.cpu_count()} cores; median of {args.runs} fresh processes a case"
        f"{'; rfc3987_syntax blocked, as in the tests' if args.as_tests else ''}\n"
        f"ours {sys.executable}; baseline {args.baseline_python or '-'} {args.baseline_path or ''}\n"
    )
    print(
        "| case | ours CPU s | ours peak RSS MB | base CPU s | base peak RSS MB | base/ours CPU "
        "| heavy loaded: ours | base |"
    )
    print("|---|---:|---:|---:|---:|---:|---|---|")
    cwd = tempfile.mkdtemp(prefix="imports_")
    for label in args.cases:
        code = (
            "import sys\nsys.modules.setdefault('rfc3987_syntax', None)\n" if args.as_tests else ""
        ) + CASES[label]
        ours, base = [], []
        for _ in range(args.runs):
            ours.append(_one(sys.executable, code, None, cwd))
            if args.baseline_python:
                base.append(_one(args.baseline_python, code, args.baseline_path, cwd))
        cpu = statistics.median(r[0] for r in ours)
        rss = statistics.median(r[1] for r in ours)
        if base:
            bcpu = statistics.median(r[0] for r in base)
            brss = statistics.median(r[1] for r in base)
            cols = f"{bcpu:.2f} | {brss:.0f} | {bcpu / cpu:.2f}"
            heavy = f"{ours[-1][2]} | {base[-1][2]}"
        else:
            cols, heavy = "- | - | -", f"{ours[-1][2]} | -"
        print(f"| {label} | {cpu:.2f} | {rss:.0f} | {cols} | {heavy} |", flush=True)
    os.rmdir(cwd)
    print(f"\nload average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
