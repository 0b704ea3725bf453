"""Small native runs for the detector tests: one step a second, written as the tests need them."""

from __future__ import annotations

import workbench as wb

T0 = 1_767_225_600_000_000_000
S = 1_000_000_000


class RunBuilder:
    """Writes native records for one run, a step per call, one second apart."""

    def __init__(self, run_id: str, task: str = "buy 40 units of SKU-7", outcome: str | None = None) -> None:
        self.run_id = run_id
        self.records: list[dict] = [
            {"record": "run", "run_id": run_id, "system": "unit", "task": task, "outcome": outcome}
        ]
        self.i = 0
        self.root = self.add(kind="system", name="run", latency=100 * S)

    def add(self, latency: int = S // 2, **fields) -> str:
        step_id = f"s{self.i:02d}"
        start = T0 + self.i * S
        rec = {
            "run_id": self.run_id,
            "step_id": step_id,
            "started_at": start,
            "ended_at": start + latency,
            "status": "ok",
        }
        if self.i:
            rec["parent_id"] = "s00"
        rec.update(fields)
        self.records.append(rec)
        self.i += 1
        return step_id

    def edge(self, src: str, dst: str, kind: str = "consumes") -> None:
        self.records.append(
            {"record": "edge", "run_id": self.run_id, "src_step": src, "dst_step": dst, "kind": kind}
        )

    def answer(self, text: str) -> None:
        self.records[1]["output"] = text


def _ws(*runs: RunBuilder) -> wb.Workspace:
    ws = wb.open()
    ws.ingest([r for run in runs for r in run.records])
    return ws


def _hits(findings, detector: str) -> list[dict]:
    return findings[findings["detector"] == detector].to_dict("records")
