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

import pytest

import workbench as wb

T0 = 1_796_000_000_000_000_000


def _given_twice(tmp_path: Path, first: str, second: str) -> tuple[int, int]:
    """A native step whose input is the JSON text ``first``, then the same step with ``second``: what the second
    file added and quarantined."""
    ws = wb.open()
    for name, text in (("first", first), ("second", second)):
        path = tmp_path / f"{name}.jsonl"
        path.write_text(
            json.dumps(
                {
                    "record": "step",
                    "run_id": "r1",
                    "step_id": "s1",
                    "kind": "agent",
                    "agent": "a",
                    "started_at": T0,
                    "ended_at": T0 + 10**6,
                    "input": text,
                }
            )
            + "\n",
            encoding="utf-8",
        )
        report = ws.ingest(path, progress=False)
    assert ws.count("steps") == 1
    return report.added, report.quarantined


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ('{"a":-0.0,"b":[1,2]}', '{"b":[1.0,2e0],"a":0}'),
        ('{"a":1,"a":2}', '{"a":2}'),
        ("[" * 99 + '{"a":1,"b":2.50}' + "]" * 99, "[" * 99 + '{"b":2.5,"a":1}' + "]" * 99),
        (
            '{"x":"' + "é" * 1_000_000 + '","y":[' + ",".join(["1"] * 100_000) + "]}",
            '{"y":[' + ",".join(["1.0"] * 100_000) + '],"x":"' + "é" * 1_000_000 + '"}',
        ),
    ],
    ids=["zero and number forms", "a key twice", "99 levels", "3 MB"],
)
def test_the_same_value_written_otherwise_adds_nothing(tmp_path: Path, first: str, second: str) -> None:
    assert _given_twice(tmp_path, first, second) == (0, 0)


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ('{"a":1,"b":2}', '{"b":3,"a":1}'),
        ('{"a":"\\ud800"}', '{"a":"\\udc00"}'),
        ('{"a":12345678901234567890}', '{"a":12345678901234567891}'),
    ],
    ids=["a value", "a surrogate", "a long integer"],
)
def test_another_value_is_quarantined(tmp_path: Path, first: str, second: str) -> None:
    assert _given_twice(tmp_path, first, second) == (0, 1)


def test_a_lone_surrogate_escape_in_another_key_order_adds_nothing(tmp_path: Path) -> None:
    assert _given_twice(tmp_path, '{"a":"\\ud800","b":1}', '{"b":1, "a":"\\ud800"}') == (0, 0)


def test_a_long_integer_written_with_a_fraction_adds_nothing(tmp_path: Path) -> None:
    assert _given_twice(
        tmp_path, '{"a":123456789012345678901234567890,"b":1}', '{"b":1,"a":123456789012345678901234567890.0}'
    ) == (0, 0)


def test_a_number_a_double_cannot_hold_is_not_taken_for_its_neighbour(tmp_path: Path) -> None:
    assert _given_twice(tmp_path, '{"a":9007199254740993.0,"b":1}', '{"b":1,"a":9007199254740992}') == (0, 1)
