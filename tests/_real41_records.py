"""Native records of one run from a list of steps (real41's hand-written runs): every step a child of the first,
one second apart, the first ending after the last."""

from __future__ import annotations

T0, S = 1_767_225_600_000_000_000, 1_000_000_000


def run_records(run: dict, steps: list[tuple], outputs: dict[int, str] | None = None) -> list[dict]:
    """``run``: the run record's fields (``run_id`` among them); ``steps``: (kind, agent, name, input, output), a
    tool step's name its tool; ``outputs``: step index -> output put in place of the one given."""
    records: list[dict] = [{"record": "run", **run}]
    for i, (kind, agent, name, inp, out) in enumerate(steps):
        out = (outputs or {}).get(i, out)
        rec = {
            "run_id": run["run_id"],
            "step_id": f"s{i:02d}",
            "kind": kind,
            "name": name,
            "status": "ok",
            "started_at": T0 + i * S,
            "ended_at": T0 + (len(steps) + 1 if i == 0 else i + 1) * S,
        }
        if kind == "tool":
            rec["tool"] = name
        rec.update(
            {
                k: v
                for k, v in (
                    ("parent_id", "s00" if i else None),
                    ("agent", agent),
                    ("input", inp),
                    ("output", out),
                )
                if v is not None
            }
        )
        records.append(rec)
    return records
