"""The whole-file native read's cheaper checks: text keys read with one expression each, and NaN, infinity,
long exponents and depth left to the line scan (no check of each value looks for them again)."""

from __future__ import annotations

import json
from pathlib import Path

from test_native_fast import good_lines
from test_native_file import stage_file, stage_whole_file, staged

from workbench.ingest import _native_file
from workbench.ingest._depth import MAX_DEPTH
from workbench.ingest._native_sql import _TEXT

_NOT_TEXT = (5, -1.5, True, {"a": "b"}, ["x"], "1e400")


def test_a_text_key_holding_anything_but_text_is_handed_back_and_staged_as_python_stages_it(
    tmp_path: Path,
) -> None:
    # the value of a text key is extracted whatever it holds (no test of its first character): the row's
    # check alone must send every line with a non-text value to Python
    source = _native_file._source()
    # (the keys read only as words are read as text: test_native30_words)
    assert all(
        f"_wbf_str({k}) AS {k}" in source for k in _TEXT if k != "record" and k not in _native_file._WORDS
    )
    lines, odd = [*good_lines()], []
    for i, key in enumerate(_TEXT):
        # (three values a key, each value on six keys or more: past 100 lines handed back the file would go
        # to the block path whole)
        for j, value in ((j, _NOT_TEXT[j]) for j in (i % 6, (i + 2) % 6, (i + 4) % 6)):
            rec = {"record": "step", "run_id": "r1", "step_id": f"n{i}_{j}", "seq": 100 + i * 10 + j}
            if key in ("record", "run_id", "step_id"):
                rec = (
                    {"record": "edge", "run_id": "r1", "src_step": "s1", "dst_step": "s2", "kind": "consumes"}
                    if key == "record"
                    else rec
                )
            if key == "outcome":  # (a key a step does not read: a run does)
                rec = {"record": "run", "run_id": f"o{i}_{j}"}
            text = json.dumps({**rec, key: value})
            if value == "1e400":  # a number past a double, as written (not a string)
                text = text.replace('"1e400"', "1e400")
            lines.append(text)
            odd.append(len(lines))
    path = tmp_path / "not_text.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    con, stage, handed = stage_whole_file(path)
    assert (
        set(odd) <= set(handed) and len(set(handed) - set(odd)) <= 1
    )  # (a token "9e999" among the good lines)
    fast = staged(con, stage)
    assert fast == staged(*stage_file(path, fast=False)[:2])
    assert fast["read"] == len(fast["steps"]) + len(fast["quarantine"])


def test_values_that_only_look_lenient_are_read_whole_and_lenient_json_is_still_handed_back(
    tmp_path: Path,
) -> None:
    # NaN, infinity, a number past a double and a nesting past the depth limit are the line scan's to find
    # (_lenient_scan): the typed keys' checks no longer look for them in every value, so text that merely
    # holds the words or exponent-like digits in a token is read whole (the checks handed
    # such lines back: false alarms), and JSON the Python reader rejects still goes to it, in any key
    base = len(good_lines())
    look_alike = [
        '"input": {"note": "NaN or Infinity, as a word"}',
        '"output": ["-Infinity", {"a": "x NaN y"}]',
        '"logprobs": [{"token": "x9e999", "logprob": -0.5}]',
    ]
    lenient = [
        '"input": {"a": NaN}',
        '"output": [1, -Infinity]',
        '"attributes": {"a": 1e999}',
        '"logprobs": [{"token": "a", "logprob": -0.5, "top_logprobs": [{"logprob": 2.5E+400}]}]',
        '"input": ' + "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1),
    ]
    lines = [*good_lines()] + [
        f'{{"record": "step", "run_id": "r1", "step_id": "y{i}", "seq": {300 + i}, {kv}}}'
        for i, kv in enumerate(look_alike + lenient)
    ]
    path = tmp_path / "look_alike.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    con, stage, handed = stage_whole_file(path)
    assert set(handed) == {base + 1 + len(look_alike) + i for i in range(len(lenient))}
    fast = staged(con, stage)
    assert fast == staged(*stage_file(path, fast=False)[:2])
    assert [s["step_id"] for s in fast["steps"] if s["step_id"].startswith("y")] == [
        f"y{i}" for i in range(len(look_alike))
    ]
    assert len(fast["quarantine"]) >= len(lenient)


def test_logprobs_with_long_exponents_are_handed_back_and_staged_as_python_stages_them(
    tmp_path: Path,
) -> None:
    base = len(good_lines())
    lps = [
        '[{"token": "a", "logprob": 1e300}]',
        '[{"token": "a", "logprob": -2.5E+120}]',
        '[{"token": "a", "logprob": -1e-300}]',
        '[{"token": "e300", "logprob": -0.5}]',
        '[{"token": "x9e999", "logprob": -0.5}]',
        '[{"token": "a", "logprob": -0.5, "bytes": [1e999]}]',
    ]
    lines = [*good_lines()] + [
        f'{{"record": "step", "run_id": "r1", "step_id": "x{i}", "seq": {200 + i}, "logprobs": {lp}}}'
        for i, lp in enumerate(lps)
    ]
    path = tmp_path / "exponents.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    con, stage, handed = stage_whole_file(path)
    # 1e300, 2.5E+120 (in range, yet their exponents send them: a false alarm, only speed) and 1e999 go to
    # Python; digits in a token's text ("x9e999") do not
    assert set(handed) == {base + 1, base + 2, base + 6}
    assert staged(con, stage) == staged(*stage_file(path, fast=False)[:2])
