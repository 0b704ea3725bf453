"""Native JSONL records of simulated runs, and a byte-for-byte deterministic writer."""

from __future__ import annotations

import gzip
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

if TYPE_CHECKING:
    from ._procurement import SimRun


def run_record(run: SimRun) -> dict[str, Any]:
    """The run record: what the system itself reported (a silent failure reports success)."""
    t = run.task
    return {
        "record": "run",
        "run_id": run.run_id,
        "system": "procurement",
        "task": t.text,
        "outcome": run.reported_outcome,
        "outcome_detail": run.reported_detail,
        "attributes": {
            "generator": "workbench.sim.procurement",
            "seed": run.seed,
            "index": run.index,
            "sku": t.sku,
            "quantity": t.quantity,
            "budget": t.budget,
            "models": dict(run.models),
        },
    }


def label_records(run: SimRun) -> list[dict[str, Any]]:
    """Ground truth: the run's true outcome, then one label per fault that fired.

    A label naming an agent or a step of a failed run names a culprit of the failure (the store's
    ``labels`` table; ``culprit_labels`` reads it so). A fault the run recovered from (it alone would
    not have failed the run) caused nothing, so in a failed run its label keeps its kind, for the
    detectors' scoring, and says in its detail where it struck, but names no agent or step.
    """
    labels = [
        {
            "record": "label",
            "run_id": run.run_id,
            "outcome": run.outcome,
            "source": "ground_truth",
            "detail": run.outcome_detail,
        }
    ]
    failed = run.outcome != "success"
    for f in run.faults:
        note = run.fault_notes.get(f.fid, f.kind)
        if not run.recovered[f.fid]:
            labels.append(
                {
                    "record": "label",
                    "run_id": run.run_id,
                    "agent": f.agent,
                    "step_id": run.fault_steps[f.fid],
                    "kind": f.kind,
                    "source": "ground_truth",
                    "detail": f"{note} (not recovered)",
                }
            )
        elif failed:
            labels.append(
                {
                    "record": "label",
                    "run_id": run.run_id,
                    "kind": f.kind,
                    "source": "ground_truth",
                    "detail": f"{note} ({f.agent} at {run.fault_steps[f.fid]}; recovered, "
                    "not a cause of the failure)",
                }
            )
        else:
            labels.append(
                {
                    "record": "label",
                    "run_id": run.run_id,
                    "agent": f.agent,
                    "step_id": run.fault_steps[f.fid],
                    "kind": f.kind,
                    "source": "ground_truth",
                    "detail": f"{note} (recovered)",
                }
            )
    return labels


def dumps(rec: dict[str, Any]) -> bytes:
    """One JSON line (without newline): sorted keys, compact, shortest round-trip floats, UTF-8."""
    return orjson.dumps(rec, option=orjson.OPT_SORT_KEYS)


def write_jsonl(runs: Iterable[SimRun | dict[str, Any]], path: str | Path) -> int:
    """Write runs (or raw records) as native JSONL; ``.gz`` paths are gzip-compressed.

    The output is byte-for-byte deterministic for the same runs: keys are sorted, floats take
    their shortest round-trip form, and the gzip header carries no file name and a zero time.

    Parameters
    ----------
    runs : iterable of SimRun or dict
        Simulated runs (their ``to_records()`` are written) or native record dicts.
    path : str or Path
        Destination file.

    Returns
    -------
    int
        Number of records written.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    n = 0
    with open(path, "wb") as raw:
        fh: Any = raw
        if path.suffix == ".gz":
            fh = gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=6)
        buf: list[bytes] = []
        for item in runs:
            recs = item.to_records() if hasattr(item, "to_records") else [item]
            buf.extend(dumps(rec) for rec in recs)
            n += len(recs)
            if len(buf) >= 4096:
                fh.write(b"\n".join(buf) + b"\n")
                buf.clear()
        if buf:
            fh.write(b"\n".join(buf) + b"\n")
        if fh is not raw:
            fh.close()
    return n
