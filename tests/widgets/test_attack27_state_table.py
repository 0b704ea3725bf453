"""attack27: the explorer's state table (``snapshot=``, ux26) against states a real system may hand it.

Each entry's cell is the entry's own: one value that cannot be shown, an entry of many fields or a mapping of
very many entries costs the panel nothing else (before ux26 the state was one repr, cut at 20,000 characters)."""

from __future__ import annotations

import dataclasses
import itertools
import re
from collections.abc import Callable, Iterator, Mapping

import pytest

import workbench as wb
from workbench.widgets import IncidentExplorer


@pytest.fixture(scope="module")
def shown() -> tuple[IncidentExplorer, dict[str, object]]:
    """One explorer for the module, its ``snapshot`` giving whatever state a test puts in the dict: the panel
    reads the state each time a step is shown, so each test's state is drawn as an explorer of its own drew it
    (an explorer a test cost ~0.6 CPU s, suite54)."""
    ws = wb.open()
    ws.ingest(
        [
            {"record": "run", "run_id": "r1", "system": "shop", "outcome": "failure"},
            {"run_id": "r1", "step_id": "s0", "agent": "planner", "kind": "llm", "output": "plan"},
        ],
        progress=False,
    )
    given: dict[str, object] = {}
    return IncidentExplorer(ws, blame_model=None, snapshot=lambda run_id, step_id: given.get("state")), given


@pytest.fixture()
def detail(shown: tuple[IncidentExplorer, dict[str, object]]) -> Callable[[object], str]:
    ex, given = shown

    def draw(state: object) -> str:
        given["state"] = state
        ex.show_run("r1")
        ex.select_step("s0")
        return ex.detail.value

    return draw


def _rows(html: str) -> list[list[str]]:
    table = html.split("state before this step", 1)[1]
    return [
        re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.S)
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table, re.S)
    ]


class _HalfBuilt:
    """A system's object whose __str__ fails (its repr does not): the state's repr showed it."""

    def __str__(self) -> str:
        raise RuntimeError("price not fetched yet")

    def __repr__(self) -> str:
        return "HalfBuilt(price=?)"


@dataclasses.dataclass
class _Slot:
    value: object
    src: str = dataclasses.field(init=False)  # set when a step writes it


def test_a_value_that_cannot_be_str_costs_only_its_cell(detail: Callable[[object], str]) -> None:
    html = detail({"order": _HalfBuilt(), "qty": 3, "slot": _Slot("x")})
    rows = _rows(html)
    assert ["order", "HalfBuilt(price=?)", ""] in rows, rows
    assert ["qty", "3", ""] in rows and ["slot", "x", "(not set)"] in rows, rows


class _Store(Mapping):
    """A lazy view of a system's key-value store: entries read one by one, far more than are shown."""

    def __len__(self) -> int:
        return 10**12

    def __iter__(self) -> Iterator[str]:
        return (f"k{i}" for i in itertools.count())

    def __getitem__(self, key: str) -> str:
        return key.upper()


def test_a_huge_lazy_mapping_is_read_only_as_far_as_shown(detail: Callable[[object], str]) -> None:
    html = detail(_Store())
    rows = _rows(html)
    assert rows[1] == ["k0", "K0"] and len(rows) == 201, len(rows)
    assert "999,999,999,800 more entries" in html


@dataclasses.dataclass
class _Pair:
    key: str
    value: int


def test_an_entry_field_named_key_is_shown(detail: Callable[[object], str]) -> None:
    rows = _rows(detail({"stock": _Pair("SKU-991", 3)}))
    assert rows[0] == ["key", "key (field)", "value"] and rows[1] == ["stock", "SKU-991", "3"], rows


def test_an_entry_of_thousands_of_fields_shows_the_first_forty_columns(
    detail: Callable[[object], str],
) -> None:
    config = dataclasses.make_dataclass("Config", [(f"opt{i}", int) for i in range(3000)])(*range(3000))
    html = detail({f"agent{i}": config for i in range(200)})
    rows = _rows(html)
    assert rows[0] == ["key", *(f"opt{i}" for i in range(39))] and rows[1][:3] == ["agent0", "0", "1"], rows[
        0
    ]
    assert len(rows) == 201 and "fields past the first 39 of an entry not shown" in html
    assert len(html) < 500_000, len(html)  # (12 MB before)


class _Flaky(Mapping):
    """A view on a system's store whose third entry cannot be read (the connection dropped)."""

    def __len__(self) -> int:
        return 5

    def __iter__(self) -> Iterator[str]:
        return iter(["a", "b", "c", "d", "e"])

    def __getitem__(self, key: str) -> str:
        if key == "c":
            raise ConnectionError("store <gone>")
        return key * 2


def test_a_mapping_whose_reading_fails_shows_what_was_read(detail: Callable[[object], str]) -> None:
    html = detail(_Flaky())
    assert _rows(html)[1:] == [["a", "aa"], ["b", "bb"]], _rows(html)
    assert "could not be read further: ConnectionError: store &lt;gone&gt;" in html
