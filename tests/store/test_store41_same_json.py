"""``wb_same_json`` reads a pair exactly only where a double would not be the number written (store41).

Before, any text with 16 digits in a row took the exact (Decimal) reader: a 19-digit nanosecond timestamp among a
step's attributes, which orjson reads exactly as an integer, made re-ingesting objects ~4 % slower. Now the exact
reader is kept for numbers of 16+ digits with a fraction or exponent, 3-digit exponents and integers past 64 bits;
an integer past 2**53 beside a double sends the pair there too. Every answer is checked against reading both texts
exactly; one answer changed on purpose: ``1e-400`` (which a double rounds to 0) is no longer the same as ``0``.
"""

from __future__ import annotations

import itertools
import json
import math
import random
from decimal import Decimal

import pytest

from workbench.store import _same_json
from workbench.store._same_json import same_json


def _exactly(x: str, y: str) -> bool:
    """The reference: both texts read with every number exact."""
    return _same_json._same(json.loads(x, parse_float=Decimal), json.loads(y, parse_float=Decimal))


SAME = [
    ("9007199254740991", "9007199254740991.0"),  # 2**53 - 1
    ("9007199254740992", "9.007199254740992e15"),  # 2**53
    ("9007199254740993", "9007199254740993.0"),  # 2**53 + 1
    ("-9007199254740993", "-9.007199254740993E+15"),
    ("9223372036854775807", "9223372036854775807.0"),  # 2**63 - 1
    ("9223372036854775807", "9.223372036854775807e18"),
    ("18446744073709551616", "18446744073709551616.00"),  # 2**64
    ("-9223372036854775809", "-9223372036854775809.0"),  # -2**63 - 1
    ('{"t":1733338800123456789,"a":1}', '{"a":1.0,"t":1733338800123456789}'),
    ("1e400", "1E400"),
    ("1e400", "10e399"),
    ("-1e400", "-1.0e+400"),
    ("1e-400", "0.1e-399"),
    ("-0", "0"),
    ("-0.0", "0"),
    ("-0", "0.0"),
    ("0e5", "0"),
    ("0.3000000000000000", "0.3"),
    ("0.1234567890123450", "0.123456789012345"),
    ("1.000000000000001", "1.0000000000000010"),
    ("12345678901234567", "1.2345678901234567e16"),
    ("7e-320", "7.0e-320"),
    ("1e308", "10e307"),
]
OTHER = [
    ("9007199254740993", "9007199254740992.0"),  # one double, two integers
    ("9007199254740993", "9007199254740992"),
    ("9007199254740993.0", "9007199254740992"),
    ("9007199254740991", "9007199254740992.0"),
    ("9223372036854775807", "9223372036854775806"),
    ("9223372036854775807", "9.223372036854776e18"),  # the double 2**63, not 2**63 - 1
    ("9223372036854775808", "9.223372036854775807e18"),
    ("18446744073709551616", "18446744073709551617"),  # both past 64 bits: orjson reads one double
    ("-9223372036854775809", "-9223372036854775808"),
    ("-9223372036854775809", "-9223372036854775810"),
    ('{"t":1733338800123456789}', '{"t":1733338800123456788}'),
    ('{"t":1733338800123456789}', '{"t":1733338800123456789.5}'),
    ("1e400", "1e401"),
    ("1e400", "-1e400"),
    ("1e-400", "0"),
    ("1e-400", "1e-401"),
    ("0.1", "0.1000000000000000055511151231257827"),  # the double 0.1, written out
    ("0.3", "0.30000000000000004"),
    ("1.000000000000001", "1.0000000000000011"),
    ("1e-320", "1.00000000000001e-320"),  # one subnormal double
    ("1e16", "10000000000000001"),
]


@pytest.mark.parametrize(("x", "y"), SAME)
def test_the_same_number_written_otherwise(x: str, y: str) -> None:
    assert same_json(x, y) and same_json(y, x)
    assert same_json(f'{{"k":[{x}],"z":1}}', f'{{"z":1,"k":[{y}]}}')


@pytest.mark.parametrize(("x", "y"), OTHER)
def test_another_number(x: str, y: str) -> None:
    assert not same_json(x, y) and not same_json(y, x)
    assert not same_json(f'{{"k":[{x}],"z":1}}', f'{{"z":1,"k":[{y}]}}')


def test_every_answer_is_the_exact_readers() -> None:
    """Numbers at the edges of a double's precision, range and of 64-bit integers, in many forms: each pair's answer
    is the one reading every number exactly gives."""
    rng = random.Random(41)
    values = [
        0,
        1,
        2**53 - 1,
        2**53,
        2**53 + 1,
        2**63 - 1,
        2**63,
        2**64 - 1,
        2**64,
        10**15,
        10**16 + 1,
        1733338800123456789,
    ]
    texts = []
    for v in values:
        for n in (v, -v):
            texts += [str(n), f"{n}.0", f"{n}e0", repr(float(n)), f"{Decimal(n):e}"]
    for digits in (14, 15, 16, 17, 18):
        for _ in range(6):
            mantissa = rng.randrange(10 ** (digits - 1), 10**digits)
            exponent = rng.choice([-400, -320, -300, -20, -digits, -1, 0, 5, 300, 400])
            double = float(f"{mantissa}e{exponent}")
            texts += [f"{mantissa}e{exponent}"] + ([repr(double)] if math.isfinite(double) else [])
    texts += ["1e-400", "1e400", "0.1", "0.30000000000000004", "5e-324", "2.5e-324", "1.7976931348623157e308"]
    for x, y in itertools.product(texts, repeat=2):
        assert same_json(x, y) == _exactly(x, y), (x, y)


def test_a_nanosecond_timestamp_takes_the_fast_reader(monkeypatch: pytest.MonkeyPatch) -> None:
    exact_reads = []
    _exact_read = _same_json._exact
    monkeypatch.setattr(_same_json, "_exact", lambda text: exact_reads.append(text) or _exact_read(text))
    ids = '"trace_id":"5b8efff798038103d269b633813fc60c","span_id":"123e4567e89b12d3"'
    assert same_json(
        f'{{"start":1733338800123456789,"end":1733338800923456789,{ids}}}',
        f'{{{ids},"end":1733338800923456789,"start":1733338800123456789}}',
    )
    assert same_json('{"n":9223372036854775807,"x":0.1}', '{"x":0.1,"n":9223372036854775807}')  # 2**63 - 1
    assert exact_reads == []
    assert same_json('{"x":9007199254740993}', '{"x":9007199254740993.0}')  # 16+ digits with a fraction
    assert same_json('{"x":1e-400}', '{"x":1E-400}')  # a 3-digit exponent
    assert not same_json('{"x":9007199254740993}', '{"x":9007199254740992e0}')
    assert len(exact_reads) == 6
