"""The merge's span tree: agent and depth from the nearest ancestors, parent cycles, very deep chains."""

from __future__ import annotations

import workbench as wb

T0 = 1_767_225_600_000_000_000


def _step(run: str, step: str, parent: str | None, agent: str | None = None, i: int = 0) -> dict:
    return {
        "run_id": run,
        "step_id": step,
        "parent_id": parent,
        "agent": agent,
        "kind": "llm",
        "started_at": T0 + i * 1_000,
        "ended_at": T0 + i * 1_000 + 500,
    }


def _by_id(ws: wb.Workspace, run: str) -> dict[str, tuple]:
    return {
        r[0]: r[1:]
        for r in ws.sql("SELECT step_id, agent, depth FROM steps WHERE run_id = ?", [run]).fetchall()
    }


def test_parent_cycles_are_quarantined_and_steps_under_them_kept() -> None:
    ws = wb.open()
    report = ws.ingest(
        [
            _step("r", "a", "c"),
            _step("r", "b", "a"),
            _step("r", "c", "b"),  # a cycle of three
            _step("r", "self", "self"),  # its own parent
            _step("r", "under", "a", agent="x"),
            _step("r", "leaf", "under"),  # hang from the cycle
            _step("r", "root", None, agent="boss"),
            _step("r", "kid", "root"),
        ]
    )
    assert (report.read, report.stored, report.quarantined) == (8, 4, 4)
    reasons = sorted(r[0] for r in ws.sql("SELECT step_id FROM quarantine").fetchall())
    assert reasons == ["a", "b", "c", "self"]
    assert all("parent cycle" in r[0] for r in ws.sql("SELECT reason FROM quarantine").fetchall())
    # the cycle is gone: the step under it is a root, its child inherits from it
    assert _by_id(ws, "r") == {"under": ("x", 0), "leaf": ("x", 1), "root": ("boss", 0), "kid": ("boss", 1)}
    assert ws.sql("SELECT count(*) FROM edges WHERE kind = 'parent'").fetchall() == [(2,)]


def test_a_chain_deeper_than_the_walk_keeps_every_step() -> None:
    ws = wb.open()
    chain = [_step("deep", "n0", None, agent="top")]
    chain += [_step("deep", f"n{i}", f"n{i - 1}", i=i) for i in range(1, 600)]
    report = ws.ingest(chain)
    assert (report.stored, report.quarantined) == (600, 0)
    got = _by_id(ws, "deep")
    assert got["n300"] == ("top", 300)
    assert got["n512"] == ("top", 512)
    assert got["n599"] == ("top", 599)  # the walk down has no depth bound (it was 512: depth 512, silently)
    assert ws.sql("SELECT count(*) FROM edges WHERE run_id = 'deep'").fetchall() == [(599,)]
    assert [
        r[0]
        for r in ws.sql("SELECT step_id FROM steps WHERE run_id = 'deep' ORDER BY seq LIMIT 3").fetchall()
    ] == ["n0", "n1", "n2"]


def test_stored_orphans_gain_agent_and_depth_when_their_parent_arrives() -> None:
    ws = wb.open()
    ws.ingest([_step("r", "o1", "p"), _step("r", "o2", "o1", agent="own")])
    assert _by_id(ws, "r") == {"o1": (None, 0), "o2": ("own", 1)}
    ws.ingest([_step("r", "p", None, agent="late"), _step("r", "q", "o2")])
    assert _by_id(ws, "r") == {"p": ("late", 0), "o1": ("late", 1), "o2": ("own", 2), "q": ("own", 3)}
    assert ws.sql("SELECT count(*) FROM edges WHERE run_id = 'r'").fetchall() == [(3,)]
    again = ws.ingest([_step("r", "p", None, agent="late")])
    assert (again.added, again.stored) == (0, 1)
