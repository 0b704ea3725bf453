"""Log-probability statistics over lists holding nulls, read by the native SQL paths (native33).

The SQL mapping keeps a token's null log-probabilities in its lists and leaves them to the aggregates to skip
(list_count, list_sum, list_max; exp and ``p > 0`` of a null are null) rather than filtering each list. A
confidence or an entropy from such a list must be the Python reader's to the last bit
(``_values.logprob_stats``), and the records must be read in SQL, not handed back to Python (where the
comparison would hold trivially).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _reader_agreement import differences, store

from workbench.ingest import native
from workbench.ingest._values import logprob_stats

# (every value a number or null: the typed path, not the one for text where a number belongs)
LOGPROBS = {
    "null_alternative": [
        {
            "token": "a",
            "logprob": -0.5,
            "top_logprobs": [{"logprob": None}, {"logprob": -0.5}, {"logprob": -1.25}],
        }
    ],
    "all_null_alternatives": [
        {"token": "a", "logprob": -0.5, "top_logprobs": [{"logprob": None}, {"logprob": None}]},
        {"token": "b", "logprob": -0.125, "top_logprobs": [{"logprob": -0.125}, {"logprob": -3.5}]},
    ],
    "only_null_alternatives": [{"token": "a", "logprob": -0.5, "top_logprobs": [{"logprob": None}]}],
    "null_chosen": [
        {"token": "a", "logprob": None, "top_logprobs": [{"logprob": -0.75}, {"logprob": -0.0625}]},
        {"token": "b", "logprob": -0.2, "top_logprobs": []},
    ],
    "all_chosen_null": [
        {"token": "a", "logprob": None},
        {"token": "b", "logprob": None, "top_logprobs": None},
    ],
    "alternative_without_logprob": [
        {"token": "a", "logprob": -0.3, "top_logprobs": [{"token": "x"}, {"logprob": -0.3}]}
    ],
    "underflow": [
        {
            "token": "a",
            "logprob": -0.001,
            "top_logprobs": [{"logprob": -0.001}, {"logprob": -900.5}, {"logprob": None}],
        }
    ],
}


def _write(path: Path) -> Path:
    lines = [{"record": "run", "run_id": "r1", "outcome": "success"}]
    for i, (name, lps) in enumerate(LOGPROBS.items()):
        lines.append(
            {
                "record": "step",
                "run_id": "r1",
                "step_id": name,
                "seq": i,
                "kind": "llm",
                "started_at": f"2026-01-01T00:00:0{i}Z",
                "logprobs": lps,
            }
        )
    path.write_text("".join(json.dumps(x) + "\n" for x in lines))
    return path


@pytest.mark.parametrize("whole_file", [True, False], ids=["whole-file", "blocks"])
def test_statistics_over_nulls_are_the_python_readers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, whole_file: bool
) -> None:
    path = _write(tmp_path / "lp.jsonl")
    handed: list[int] = []
    python_line = native.stage_line

    def counted(line: bytes, n: int, stage: object) -> None:
        handed.append(n)
        python_line(line, n, stage)

    with monkeypatch.context() as m:
        m.setattr(native, "stage_line", counted)
        if not whole_file:
            m.setattr(native, "stage_native_file", lambda *a, **k: False)
        sql = store(path, True)
    assert handed == [], "the SQL path handed records back to Python: it compared nothing"
    diff = differences(sql, store(path, False))
    assert not diff, "\n".join(diff)
    got = {s["step_id"]: (s["confidence"], s["entropy"]) for s in sql["steps"]}
    want = {name: logprob_stats(lps) for name, lps in LOGPROBS.items()}
    assert got == want
    assert got["only_null_alternatives"][1] is None and got["all_chosen_null"] == (None, None)
    assert got["all_null_alternatives"][1] is not None  # (the other token's entropy alone)
