"""mend50: ``_json_deep.loads`` reads what ``json.loads`` reads, the same, and past the recursion limit too."""

from __future__ import annotations

import json
import math
import random

import pytest

from workbench._json_deep import _walk, loads

# what json.loads reads (and refuses) at the edges of its grammar: each must come out alike from the walk
EDGES = [
    *("", " ", "[", "]", "[1,]", '{"a":1,}', '{"a" 1}', '{"a":1 "b":2}', "[1 2]", "nul", "truex", "[,1]"),
    *("{,}", '{"a":}', "[1,,2]", "[]x", "true false", '"\\x"', '"a\nb"', "01", "1.", "-", "\ufeff1", "1e999"),
    *("NaN", "-Infinity", "Infinity", "-0", "1.5e3", "-0.0E-2", '"\\ud83d"', '{"a":1,"a":2}', "{}", "[]"),
    *(' [ 1 , {"x" : [ ] } , { } ] ', '{"a":[1,{"b":null}],"c":"d"}', "[-Infinity,NaN,true,false,null]"),
    "9" * 5000,  # (past int's digit limit: a ValueError both ways)
]


def _read(read, text: str) -> tuple[str, str]:
    try:
        value = read(text)
    except ValueError:
        return ("refused", "")
    return ("read", repr(value))


def test_the_walk_reads_as_json_loads() -> None:
    rng = random.Random(50)
    alphabet = '[]{}",:1-.eE0 abtrunlfsNI\\'
    texts = EDGES + ["".join(rng.choices(alphabet, k=rng.randint(0, 10))) for _ in range(3000)]
    assert [_read(_walk, t) for t in texts] == [_read(json.loads, t) for t in texts]


def test_deep_text_is_read_past_the_recursion_limit() -> None:
    deep = '{"price": 14.2, "page": ' + "[" * 3_000 + "]" * 3_000 + ', "x": [NaN]}'
    with pytest.raises(RecursionError):
        json.loads(deep)
    value = loads(deep)
    assert list(value) == ["price", "page", "x"] and value["price"] == 14.2 and math.isnan(value["x"][0])
    depth, inner = 0, value["page"]
    while inner:
        depth, inner = depth + 1, inner[0]
    assert depth == 2_999  # (the innermost is the empty list)
    with pytest.raises(ValueError):
        loads("[" * 3_000)  # (not JSON at any depth)
    with pytest.raises(ValueError):
        loads("[" * 3_000 + "]" * 2_999)
