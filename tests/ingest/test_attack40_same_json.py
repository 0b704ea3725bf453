"""The same step given again with its JSON written otherwise (attack40, on store39's ``wb_same_json``): what held,
and three cases that broke until numbers were compared exactly and orjson's refusals read by the json module.

Held: ``-0.0`` / ``0`` and ``1`` / ``1.0`` / ``2e0`` inside arrays, a key given twice (the last value), 99 levels of
nesting, a 3 MB value with its keys in another order: the second file adds nothing; a value that differs is still
quarantined. Broke: a lone surrogate escape (``"\\ud800"``, valid JSON text) in another key order is quarantined as
a conflict (orjson refuses the escape and the compare says "not the same"); an integer past 64 bits written again
as ``….0`` is quarantined (read as a double it is no longer the integer), and ``9007199254740993.0`` given again as
``9007199254740992`` (another value) adds nothing (read as a double it is 2**53).
"""

from __future__ import annotations

import json
from pathlib import Path

import workbench as wb

T0 = 1_796_000_000_000_000_000


# case: (the input's JSON text first, given again as, whether the second copy is quarantined as another value)
CASES = {
    # the same value written otherwise: nothing added, no conflict
    "zero and number forms": ('{"a":-0.0,"b":[1,2]}', '{"b":[1.0,2e0],"a":0}', False),
    "a key twice": ('{"a":1,"a":2}', '{"a":2}', False),
    "99 levels": ("[" * 99 + '{"a":1,"b":2.50}' + "]" * 99, "[" * 99 + '{"b":2.5,"a":1}' + "]" * 99, False),
    "3 MB": (
        '{"x":"' + "é" * 1_000_000 + '","y":[' + ",".join(["1"] * 100_000) + "]}",
        '{"y":[' + ",".join(["1.0"] * 100_000) + '],"x":"' + "é" * 1_000_000 + '"}',
        False,
    ),
    # another value: quarantined
    "a value": ('{"a":1,"b":2}', '{"b":3,"a":1}', True),
    "a surrogate": ('{"a":"\\ud800"}', '{"a":"\\udc00"}', True),
    "a long integer": ('{"a":12345678901234567890}', '{"a":12345678901234567891}', True),
    # broke until attack40
    "a lone surrogate escape in another key order": (
        '{"a":"\\ud800","b":1}',
        '{"b":1, "a":"\\ud800"}',
        False,
    ),
    "a long integer written with a fraction": (
        '{"a":123456789012345678901234567890,"b":1}',
        '{"b":1,"a":123456789012345678901234567890.0}',
        False,
    ),
    "a number a double cannot hold is not taken for its neighbour": (
        '{"a":9007199254740993.0,"b":1}',
        '{"b":1,"a":9007199254740992}',
        True,
    ),
}


def test_the_same_value_written_otherwise_adds_nothing_and_another_is_quarantined(tmp_path: Path) -> None:
    """Each case a native step of its own (s0, s1, ...) whose input is the case's first JSON text, in a file of its
    own (read by the reader its size chooses: the 3 MB one by SQL, the others in Python), all read in one call;
    then the same steps with the second texts, in one call: each step compared with its stored copy alone."""
    ws = wb.open()
    for side in (0, 1):
        paths = []
        for n, case in enumerate(CASES.values()):
            paths.append(tmp_path / f"{side}-{n}.jsonl")
            paths[-1].write_text(
                json.dumps(
                    {
                        "record": "step",
                        "run_id": "r1",
                        "step_id": f"s{n}",
                        "kind": "agent",
                        "agent": "a",
                        "started_at": T0,
                        "ended_at": T0 + 10**6,
                        "input": case[side],
                    }
                )
                + "\n",
                encoding="utf-8",
            )
        report = ws.ingest(paths, progress=False)
    assert ws.count("steps") == len(CASES) and report.added == 0, report
    quarantined = {s for (s,) in ws.sql("SELECT step_id FROM quarantine").fetchall()}
    assert report.quarantined == len(quarantined)
    for n, (case, (_, _, conflict)) in enumerate(CASES.items()):
        assert (f"s{n}" in quarantined) == conflict, case
