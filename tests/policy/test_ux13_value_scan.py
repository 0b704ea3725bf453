"""The guard's value scan takes a faster path (possessive runs; no UUID branch in a text with fewer than four
hyphens): it must find exactly the tokens ``_VALUES`` (workbench/_stated_values.py's, as the SQL's) finds,
in the same order, on any text."""

from __future__ import annotations

from _deep import deep
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.policy import _bounce
from workbench.policy._bounce import _VALUES, value_tokens

PIECES = [
    "SKU-7",
    "sku_12",
    "1,234",
    "1,23",
    "12,345,6789",
    "3.5",
    "3.",
    ".5",
    " 5 million",
    "\t2 Thousand",
    " billions",
    "123e4567-e89b-12d3-a456-426614174000",
    "deadbeef-dead-beef-dead-beefdeadbeef-3",
    "abcdefghijklmn-5",
    "call_abc",
    "toolu_01",
    "x-",
    "-",
    "_",
    "é",
    "٣",
    " ",
    "\n",
    "a",
    "Z",
    "0",
    "9",
    "ABCDEFGHIJKL-9",
    "abcdefghijklm_9",
    "2024-01-05",
    "-5",
    "(-1,234.5",
    "--7",
    "v1.2.3",
    "12-34-56-78",
    ",",
    ".",
]


# 400 generated texts (3,000 with WORKBENCH_DEEP_TESTS=1, tests/_deep.py): every example is the same two scans
# of one text (3,000 took 7.3 s); test_both_fast_paths_are_taken below pins both fast paths whatever is drawn
@settings(max_examples=3000 if deep() else 400, deadline=None)
@given(
    st.lists(st.one_of(st.sampled_from(PIECES), st.text(alphabet="aZf9-_,. \t\n0é", max_size=4)), max_size=30)
)
def test_fast_scan_finds_what_the_pattern_finds(parts: list[str]) -> None:
    text = "".join(parts)
    assert value_tokens(text) == _VALUES.findall(text)


def test_both_fast_paths_are_taken() -> None:
    uuid = "id 123e4567-e89b-12d3-a456-426614174000-7 and SKU-5"
    assert value_tokens(uuid) == ["123e4567-e89b-12d3-a456-426614174000-7", "SKU-5"]
    assert _bounce._VALUES_NO_UUID.findall("SKU-5 costs 1,234.5, 3 million, -2.5 C") == [
        "SKU-5",
        "1,234.5",
        "3 million",
        "-2.5",
    ]
