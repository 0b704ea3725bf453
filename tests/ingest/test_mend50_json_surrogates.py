"""mend50: lone surrogate escapes read as U+FFFD's, pairs and every other escape as written, across chunk ends."""

from __future__ import annotations

import json

from workbench.ingest._json_surrogates import mended, mended_chunks

# json.dumps of text cut inside pairs, beside a whole pair, an escaped backslash before "ud83d" (text, no escape),
# a run of backslashes, other escapes, capitals
VALUES = [
    "Done \ud83d",
    "\ude00 tail",
    "ok \U0001f600 \ud83d\ud83d",
    "C:\\ud83d",
    "\\\\\ud83d",
    '\u00fc"\n\\',
]
TEXT = json.dumps({"v": VALUES, "k\udcff": 1}) + "\n" + json.dumps(["\ud800"]).replace("d800", "D800")


def _expected(value: object) -> object:
    if isinstance(value, str):
        return value.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    if isinstance(value, list):
        return [_expected(v) for v in value]
    if isinstance(value, dict):
        return {_expected(k): _expected(v) for k, v in value.items()}
    return value


def test_lone_halves_read_as_the_replacement_character() -> None:
    data = TEXT.encode()
    out = mended(data)
    assert len(out) == len(data)  # (six bytes for six: offsets and lengths stay as read)
    for line, before in zip(out.decode().splitlines(), TEXT.splitlines(), strict=True):
        assert json.loads(line) == _expected(json.loads(before))
    assert "\\ud83d\\ude00" in json.dumps("\U0001f600") and mended(b'"\\ud83d\\ude00"') == b'"\\ud83d\\ude00"'
    assert mended(b'"\\\\ud83d"') == b'"\\\\ud83d"'


def test_an_escape_over_a_chunk_end_is_read_whole() -> None:
    data = TEXT.encode()
    whole = mended(data)
    for cut in range(1, len(data)):
        assert b"".join(mended_chunks(iter([data[:cut], data[cut:]]))) == whole, cut
