"""The whole-file native read's cheaper checks: text keys read with one expression each, and the
log-probabilities' exponent check that runs its full pattern only where the letter-first one finds one."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
from test_native_fast import good_lines
from test_native_file import stage_file, stage_whole_file, staged

from workbench.ingest import _native_file
from workbench.ingest._native_sql import _TEXT

_NOT_TEXT = (5, -1.5, True, {"a": "b"}, ["x"], "1e400")


def test_a_text_key_holding_anything_but_text_is_handed_back_and_staged_as_python_stages_it(tmp_path: Path) -> None:
    # the value of a text key is extracted whatever it holds (no test of its first character): the row's
    # check alone must send every line with a non-text value to Python
    source = _native_file._source()
    assert all(f"_wbf_str({k}) AS {k}" in source for k in _TEXT if k != "record")
    lines, odd = [*good_lines()], []
    for i, key in enumerate(_TEXT):
        # (three values a key, each value on six keys or more: past 100 lines handed back the file would go
        # to the block path whole)
        for j, value in ((j, _NOT_TEXT[j]) for j in (i % 6, (i + 2) % 6, (i + 4) % 6)):
            rec = {"record": "step", "run_id": "r1", "step_id": f"n{i}_{j}", "seq": 100 + i * 10 + j}
            if key in ("record", "run_id", "step_id"):
                rec = {"record": "edge", "run_id": "r1", "src_step": "s1", "dst_step": "s2", "kind": "consumes"} \
                    if key == "record" else rec
            text = json.dumps({**rec, key: value})
            if value == "1e400":  # a number past a double, as written (not a string)
                text = text.replace('"1e400"', "1e400")
            lines.append(text)
            odd.append(len(lines))
    path = tmp_path / "not_text.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    con, stage, handed = stage_whole_file(path)
    assert set(odd) <= set(handed) and len(set(handed) - set(odd)) <= 1  # (a token "9e999" among the good lines)
    fast = staged(con, stage)
    assert fast == staged(*stage_file(path, fast=False)[:2])
    assert fast["read"] == len(fast["steps"]) + len(fast["quarantine"])


def test_the_exponent_check_finds_what_the_full_pattern_finds() -> None:
    con = duckdb.connect()
    con.execute(_native_file._FILE_MACROS)
    texts = ["[]", '[{"logprob":1e300}]', '[{"logprob":-2.5E+120}]', '[{"logprob":1e-300}]', '[{"token":"e300"}]',
             '[{"token":"x9e999"}]', '[{"token":"E+100","logprob":-0.5}]', '[{"logprob":1e99}]', "e1234 9E+1234",
             '[{"token":"9e","logprob":123}]', "1e+12", "5E123"]
    got = con.execute("SELECT list_transform($t, lambda x: _wbf_big_exponent(x)), "
                      "list_transform($t, lambda x: regexp_matches(x, '[0-9][eE][+]?[0-9]{3}'))", {"t": texts}).fetchall()
    assert got[0][0] == got[0][1] and sum(got[0][0]) == 5


def test_logprobs_with_long_exponents_are_handed_back_and_staged_as_python_stages_them(tmp_path: Path) -> None:
    base = len(good_lines())
    lps = ['[{"token": "a", "logprob": 1e300}]', '[{"token": "a", "logprob": -2.5E+120}]',
           '[{"token": "a", "logprob": -1e-300}]', '[{"token": "e300", "logprob": -0.5}]',
           '[{"token": "x9e999", "logprob": -0.5}]', '[{"token": "a", "logprob": -0.5, "bytes": [1e999]}]']
    lines = [*good_lines()] + [f'{{"record": "step", "run_id": "r1", "step_id": "x{i}", "seq": {200 + i}, '
                               f'"logprobs": {lp}}}' for i, lp in enumerate(lps)]
    path = tmp_path / "exponents.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    con, stage, handed = stage_whole_file(path)
    # 1e300, 2.5E+120, the digits in the token's text (a false alarm: only speed) and 1e999 go to Python
    # (as does the good lines' last, whose token "9e999" is such a false alarm)
    assert set(handed) == {base, base + 1, base + 2, base + 5, base + 6}
    assert staged(con, stage) == staged(*stage_file(path, fast=False)[:2])
