"""What the committed notebooks cost a user: each code cell's kernel CPU, this checkout against a baseline.

Usage::

    python bench/notebooks.py --baseline-pythonpath /tmp/base                 # a checkout of main there
    python bench/notebooks.py --baseline-pythonpath /tmp/base --rounds 3 --notebooks 01
    python bench/notebooks.py --baseline-pythonpath /tmp/base --one-blas-thread  # as the test suite's kernels run

Each notebook of ``notebooks/`` (of this checkout, and of the baseline's checkout for the baseline: a notebook
edit is measured too) is copied with ``data/`` into a folder of its own and run top to bottom by nbclient in a
fresh ``python3`` kernel whose ``PYTHONPATH`` starts with the checkout (so its ``workbench`` is imported),
ours and the baseline's alternating, ``--rounds`` times each. Two cells are added around the notebook's own: the
first registers IPython's ``pre_run_cell``/``post_run_cell`` events, which read the kernel's CPU seconds (user +
system of all its threads: DuckDB's and BLAS's included) before and after every cell; the last prints those and
the kernel process's peak RSS and whole CPU (its start included). The table gives each cell's median CPU
seconds, ours and the baseline's, the ratio (baseline over ours: > 1 is cheaper), the notebook's cells summed,
the whole kernel, and the peak RSS. By default the kernels get this process's environment, as a user's would;
``--one-blas-thread`` sets ``OPENBLAS_NUM_THREADS``/``OMP_NUM_THREADS``/``MKL_NUM_THREADS`` to 1 as the
suite's ``tests/conftest.py`` does for the kernels its notebook tests start.

Each cell's outputs (stream text, ``text/plain`` and ``text/html``, a chart widget's spec; ids, addresses, times
of day and tqdm timings masked) are compared between every run of both sides: a cell whose outputs differ is named
under its table (``--keep DIR`` writes the executed notebooks there, to read how).
2 shared cores: the load average is printed before and after; a wall time means little, CPU seconds more.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_BEFORE = """\
import json as _j, resource as _r, time as _t
_nb_cpu, _nb_t0 = [], [None]
def _nb_pre(info=None):
    _nb_t0[0] = _t.process_time()
def _nb_post(result=None):
    if _nb_t0[0] is not None:  # (this cell's own end: it started before the events were there)
        _nb_cpu.append(_t.process_time() - _nb_t0[0])
get_ipython().events.register("pre_run_cell", _nb_pre)
get_ipython().events.register("post_run_cell", _nb_post)
"""
_AFTER = """\
get_ipython().events.unregister("post_run_cell", _nb_post)
_u = _r.getrusage(_r.RUSAGE_SELF)
print("NBCPU " + _j.dumps({"cells": _nb_cpu, "kernel": _u.ru_utime + _u.ru_stime, "rss_mb": _u.ru_maxrss / 1024}))
"""
_MASK = re.compile(
    r"[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|0x[0-9a-f]+"
    r"|\d+(\.\d+)?(it/s|s/it)|\[\d\d:\d\d<[^\]]*\]|/tmp/[^\s'\"]+|\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d[0-9.:+Z-]*"
)


def _outputs(cell: dict, widgets: dict) -> str:
    """A digest of what a cell showed, ids, times of day and timings masked (a chart widget: its spec)."""
    shown = []
    for out in cell.get("outputs", []):
        if out.get("output_type") == "stream":
            shown.append(out.get("text", ""))
        data = out.get("data", {})
        for kind in ("text/plain", "text/html"):
            if kind in data and "application/vnd.jupyter.widget-view+json" not in data:
                shown.append(data[kind])
        view = data.get("application/vnd.jupyter.widget-view+json")
        if view:
            state = widgets.get(view.get("model_id"), {}).get("state", {})
            shown.append(json.dumps(state.get("spec"), sort_keys=True) if "spec" in state else "widget")
    text = _MASK.sub("#", "\n".join(s if isinstance(s, str) else "".join(s) for s in shown))
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def run_once(
    tree: Path, pythonpath: str | None, name: str, one_thread: bool, timeout: int, keep: Path | None = None
) -> dict:
    """Run ``tree``'s notebook ``name`` in a fresh kernel; each code cell's CPU seconds and outputs' digest."""
    import nbformat
    from nbclient import NotebookClient

    with tempfile.TemporaryDirectory(prefix="nb_bench_") as tmp:
        work = Path(tmp)
        shutil.copytree(tree / "notebooks", work / "notebooks")
        shutil.copytree(tree / "data", work / "data")
        nb = nbformat.read(work / "notebooks" / name, as_version=4)
        ids = {}
        for i, cell in enumerate(nb.cells):
            cell["id"] = f"c{i}"
            ids[f"c{i}"] = (i, cell.source.splitlines()[0] if cell.source else "")
        nb.cells.insert(0, nbformat.v4.new_code_cell(_BEFORE, id="nbbench_before"))
        nb.cells.append(nbformat.v4.new_code_cell(_AFTER, id="nbbench_after"))
        env = dict(os.environ)
        if pythonpath:
            env["PYTHONPATH"] = os.pathsep.join(p for p in (pythonpath, env.get("PYTHONPATH")) if p)
        if one_thread:
            env.update({k: "1" for k in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")})
        client = NotebookClient(
            nb,
            timeout=timeout,
            kernel_name="python3",
            store_widget_state=True,
            resources={"metadata": {"path": str(work / "notebooks")}},
        )
        client.execute(env=env)
        if keep is not None:  # (to read what differs)
            keep.mkdir(parents=True, exist_ok=True)
            nbformat.write(nb, keep / f"{Path(pythonpath or tree).name}_{time.time_ns()}_{name}")
        last = "".join(o.get("text", "") for o in nb.cells[-1].get("outputs", []))
        got = json.loads(last.split("NBCPU ", 1)[1])
        widgets = nb.metadata.get("widgets", {}).get("application/vnd.jupyter.widget-state+json", {})
        widgets = widgets.get("state", {})
        # nbclient runs every code cell that holds code, in order: the CPU figures' order
        ran = [c for c in nb.cells[1:-1] if c.cell_type == "code" and c.source.strip()]
        if len(ran) != len(got["cells"]):
            raise RuntimeError(f"{name}: {len(got['cells'])} cells timed, {len(ran)} run")
        cells = {}
        for cell, cpu in zip(ran, got["cells"], strict=True):
            i, first = ids[cell["id"]]
            cells[i] = (first, cpu, _outputs(cell, widgets))
        return {"cells": cells, "kernel": got["kernel"], "rss_mb": got["rss_mb"]}


def _load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline-pythonpath", required=True, help="a baseline checkout's root")
    parser.add_argument(
        "--notebooks", nargs="*", default=None, help="name prefixes (default: every notebook)"
    )
    parser.add_argument("--rounds", type=int, default=1, help="runs per notebook and side (median)")
    parser.add_argument("--one-blas-thread", action="store_true", help="one BLAS/OpenMP thread, as the suite")
    parser.add_argument("--timeout", type=int, default=900, help="seconds a cell may take")
    parser.add_argument(
        "--keep", type=Path, default=None, help="write the executed notebooks into this folder"
    )
    args = parser.parse_args()
    base = Path(args.baseline_pythonpath).resolve()
    names = sorted(p.name for p in (ROOT / "notebooks").glob("*.ipynb"))
    if args.notebooks:
        names = [n for n in names if any(n.startswith(p) for p in args.notebooks)]
    print(f"load before: {_load()}; kernels' BLAS threads: {'1' if args.one_blas_thread else 'as inherited'}")
    for name in names:
        runs: dict[str, list[dict]] = {"ours": [], "base": []}
        for r in range(args.rounds):
            order = [("ours", ROOT), ("base", base)] if r % 2 == 0 else [("base", base), ("ours", ROOT)]
            for side, tree in order:
                runs[side].append(
                    run_once(tree, str(tree), name, args.one_blas_thread, args.timeout, args.keep)
                )
        print(f"\n{name} ({args.rounds} run(s) a side; CPU s, median)")
        print(f"{'cell':>4}  {'first line':<46} {'base':>7} {'ours':>7} {'ratio':>6}")
        every = sorted(set(runs["ours"][0]["cells"]) | set(runs["base"][0]["cells"]))
        differ, sums = [], {"ours": 0.0, "base": 0.0}
        for i in every:
            med = {}
            for side in runs:
                got = [run["cells"][i][1] for run in runs[side] if i in run["cells"]]
                med[side] = statistics.median(got) if got else float("nan")
                sums[side] += med[side] if got else 0.0
            first = (runs["ours"][0]["cells"].get(i) or runs["base"][0]["cells"][i])[0][:46]
            ratio = med["base"] / med["ours"] if med["ours"] > 0 else float("nan")
            print(f"{i:>4}  {first:<46} {med['base']:>7.2f} {med['ours']:>7.2f} {ratio:>6.2f}")
            digests = {run["cells"].get(i, (0, 0, None))[2] for side in runs for run in runs[side]}
            if len(digests) > 1:
                differ.append(i)
        kern = {s: statistics.median(run["kernel"] for run in runs[s]) for s in runs}
        rss = {s: max(run["rss_mb"] for run in runs[s]) for s in runs}
        print(
            f"{'':>4}  {'cells summed':<46} {sums['base']:>7.2f} {sums['ours']:>7.2f} "
            f"{sums['base'] / sums['ours']:>6.2f}"
        )
        print(
            f"{'':>4}  {'whole kernel (its start included)':<46} {kern['base']:>7.2f} {kern['ours']:>7.2f} "
            f"{kern['base'] / kern['ours']:>6.2f}"
        )
        print(f"{'':>4}  {'peak RSS of the kernel, MB (max)':<46} {rss['base']:>7.0f} {rss['ours']:>7.0f}")
        print(f"cells whose outputs differ (between any two runs): {differ or 'none'}")
    print(f"\nload after: {_load()}")


if __name__ == "__main__":
    sys.exit(main())
