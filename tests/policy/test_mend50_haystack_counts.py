"""mend50: the live Haystack guard reads a token count given as text as the store's ``try_cast(... AS BIGINT)``."""

from __future__ import annotations

import random

import duckdb

from workbench._guard_span_haystack import _whole

# the edges of DuckDB's cast (2.0): spaces, signs, underscores, points, exponents, prefixes, other scripts, range
EDGES = [
    *(
        "12",
        " 12 ",
        "\t12\n",
        "\x0b12\x0c",
        "\xa012",
        "12\xa0",
        "\u300012",
        "\u0661\u0662",
        "\uff11",
        "+12",
        "-12",
    ),
    *(
        "--12",
        "+-1",
        "1_200",
        "_1",
        "1_",
        "1__2",
        "1e3",
        "1E3",
        "1e-1",
        "1.5",
        "2.5",
        "-2.5",
        "-0.5",
        "12.",
        ".5",
    ),
    *(
        "-.5",
        ".",
        "-",
        "",
        " ",
        "1 2",
        "12abc",
        "1,200",
        "12\x00",
        "1e",
        "1.e3",
        ".e3",
        "1._5",
        "1_000.5",
        "1.5_0",
    ),
    *(
        "1e3.",
        "1e3.0",
        "1e.5",
        "1e3.5",
        "1e1_0",
        "15e-1",
        "1.449e1",
        "49e-2",
        "50e-2",
        "1e-400",
        "1e400",
        "0e32767",
    ),
    *(
        "0e32768",
        "1e-32769",
        "0x10",
        "0X10",
        " 0x10",
        "0x10 ",
        "+0x10",
        "-0x10",
        "0x1_0",
        "0x_10",
        "0xffffffffffffffff",
    ),
    *("0x7fffffffffffffff", "0b101", "0B1_1", "0b", "0o17", "017", "inf", "nan", "9223372036854775807"),
    *("9223372036854775808", "-9223372036854775808", "9223372036854775807.4", "9223372036854775807.5"),
    *("-9223372036854775808.5", "9" * 30 + "e-30", "0.0000000000000000000000000005e28", "1e18", "1e19"),
]


def test_text_counts_read_as_the_store_casts_them() -> None:
    rng = random.Random(50)
    alphabet = "0123456789" * 3 + " \t\xa0+-._eE_xXbBaf\u0661\n\x00"
    texts = EDGES + ["".join(rng.choices(alphabet, k=rng.randint(1, 8))) for _ in range(3000)]
    with duckdb.connect() as con:
        store = con.execute(
            "SELECT try_cast(json_extract_string(json_object('k', v), '$.k') AS BIGINT) FROM unnest(?) t(v)",
            [texts],
        ).fetchall()
    assert [(t, _whole(t)) for t in texts] == [(t, r) for t, (r,) in zip(texts, store, strict=True)]


def test_json_numbers_read_as_the_store_casts_them() -> None:
    # (a count given as a JSON number: json_extract_string writes it as text, then the same cast)
    for value, count in (
        (12, 12),
        (1.5, 2),
        (-2.5, -3),
        (2**63, None),
        (1e19, None),
        (True, None),
        ([1], None),
    ):
        assert _whole(value) == count, value
