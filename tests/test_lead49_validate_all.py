"""``workbench policy validate a b c`` checks every file: a bad one is named on stderr and the rest still read (it
stopped at the first bad file, leaving the others unsaid — attack49's note), exit 2 when any is bad."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.cli import main


def test_every_file_is_checked_and_each_bad_one_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    wrong = tmp_path / "wrong.yaml"
    wrong.write_text("schema: workbench.policy/v4\nbreakers: {max_latency_ms: 3}\n", "utf-8")
    good = tmp_path / "good.yaml"
    good.write_text("schema: workbench.policy/v4\nbreakers: {max_step_latency_ms: 30000}\n", "utf-8")
    missing = tmp_path / "missing.yaml"
    assert main(["policy", "validate", str(wrong), str(good), str(missing)]) == 2
    got = capsys.readouterr()
    assert (
        got.out == f"{good}: valid (workbench.policy/v4, version 1): 1 rule (max_step_latency_ms 30,000 ms)\n"
    )
    assert f"{wrong}: breakers: unknown field 'max_latency_ms'" in got.err
    assert f"cannot read policy file {missing}: no such file" in got.err
    assert "2 of 3 policy files not valid" in got.err
    assert main(["policy", "validate", str(good)]) == 0
