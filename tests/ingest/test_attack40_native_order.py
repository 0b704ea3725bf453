"""The native whole-file read's order safeguard (native39, ``_native_file._in_order``) defeated by a file of one run
(attack40), until it compared the step id too.

The safeguard samples a line of each MiB and checks that the record at that line's row id names the line's run id.
In a file whose records all name one run (a long single run: the common shape of one agent session's log), every
sample "matches" wherever the records were written: a read out of the file's order (test_native39_order's shuffle,
the MARK join of 1922245) is taken as in order, and records are staged with other records' lines. Comparing the
step id too (or the sampled line's whole record) would tell.
"""

from __future__ import annotations

import json
from unittest import mock

from test_native_fast import good_lines
from test_native_file import stage_file, staged

from workbench.ingest import _native_file


def test_records_of_one_run_written_out_of_order_send_the_file_to_the_block_path(tmp_path) -> None:  # noqa: ANN001
    lines = []
    for i in range(220):  # one run, r1: good_lines() again and again, its step ids numbered apart
        for line in good_lines():
            rec = json.loads(line)
            for key in ("step_id", "parent_id", "src_step", "dst_step"):
                if isinstance(rec.get(key), str):
                    rec[key] = f"{i}-{rec[key]}"
            lines.append(json.dumps(rec))
    path = tmp_path / "one_run.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert path.stat().st_size > 1 << 20  # (a sample in each MiB)
    assert stage_file(path, fast=True)[2]  # (in order: read whole)
    # (as the MARK join wrote them, test_native39_order's shuffle: the file's second half at the first row ids)
    swap = f"SELECT * FROM {{t}} ORDER BY rowid < {len(lines) // 2}, rowid"
    read_whole = _native_file._read_whole
    with mock.patch.object(
        _native_file,
        "_read_whole",
        side_effect=lambda con, p, t: (
            read_whole(con, p, t),
            con.execute(f"CREATE OR REPLACE TEMP TABLE {t} AS " + swap.format(t=t)),
        )[0],
    ):
        con, stage, whole = stage_file(path, fast=True)
    assert not whole
    assert staged(con, stage) == staged(*stage_file(path, fast=False)[:2])
