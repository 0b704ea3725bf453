"""``workbench policy suggest -o FILE`` never writes over what it reads, and a policy file is written whole or
not at all (route42): before, ``-o`` the log just read or the store replaced it with YAML (exit 0), and
``Policy.to_yaml(path)`` wrote in place, so a failure half-way left half a policy."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

import workbench as wb
from workbench.cli import main

NS = 1_767_225_600_000_000_000


def _log(path: Path) -> Path:
    records = []
    for k in range(3):
        run, failed = f"r{k}", k == 0
        records += [
            {"record": "run", "run_id": run, "outcome": "failure" if failed else "success"},
            {
                "run_id": run,
                "step_id": "s0",
                "agent": "a",
                "kind": "llm",
                "status": "error" if failed else "ok",
                "started_at": NS,
                "ended_at": NS + 10**9,
                "input": "x",
                "output": "y",
            },
        ]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


@pytest.mark.parametrize("how", ["folder", "glob", "db-to-be"])
def test_suggest_refuses_an_output_that_an_input_holds_or_will_be(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], how: str
) -> None:
    log = _log(tmp_path / "logs" / "runs.jsonl")
    before = log.read_bytes()
    if how == "folder":
        argv = [str(log.parent), "-o", str(log)]
    elif how == "glob":
        argv = [str(log.parent / "*.jsonl"), "-o", str(log)]
    else:  # the store this call would create, and then write the policy over
        argv = [str(log), "--db", str(tmp_path / "s.duckdb"), "-o", str(tmp_path / "s.duckdb")]
    assert main(["policy", "suggest", *argv, "--quiet"]) == 2
    err = capsys.readouterr()[1]
    assert "one of this command's inputs" in err, err
    assert log.read_bytes() == before and not (tmp_path / "s.duckdb").exists()


def test_suggest_names_a_folder_given_as_the_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = _log(tmp_path / "runs.jsonl")
    assert main(["policy", "suggest", str(log), "-o", str(tmp_path), "--quiet"]) == 2
    assert "it is a folder" in capsys.readouterr()[1]


def test_suggest_refuses_to_write_over_another_store(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = _log(tmp_path / "runs.jsonl")
    other = tmp_path / "other.db"  # a store by its bytes, whatever its name
    wb.open(other).close()
    before = other.read_bytes()
    assert main(["policy", "suggest", str(log), "-o", str(other), "--quiet"]) == 2
    assert "is a workbench store" in capsys.readouterr()[1] and other.read_bytes() == before


def test_suggest_writes_over_an_earlier_policy_keeping_its_mode(tmp_path: Path) -> None:
    log = _log(tmp_path / "runs.jsonl")
    out = tmp_path / "p.yaml"
    out.write_text("old: policy\n", encoding="utf-8")
    out.chmod(0o640)
    assert main(["policy", "suggest", str(log), "-o", str(out), "--quiet"]) == 0
    assert wb.Policy.from_yaml(out).provenance.runs == 3
    assert out.stat().st_mode & 0o777 == 0o640
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


@pytest.mark.parametrize("kind", ["yaml", "json"])
def test_a_policy_write_that_fails_half_way_leaves_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    out = tmp_path / f"p.{kind}"
    out.write_text("old\n", encoding="utf-8")
    real = os.fdopen

    class Full:  # a disk that fills after the first bytes
        def __init__(self, fh: object) -> None:
            self.fh = fh

        def __enter__(self) -> Full:
            return self

        def __exit__(self, *exc: object) -> None:
            self.fh.close()

        def write(self, text: str) -> None:
            self.fh.write(text[:10])
            raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fdopen", lambda *a, **k: Full(real(*a, **k)))
    with pytest.raises(OSError, match="No space"):
        getattr(wb.Policy(), f"to_{kind}")(out)
    assert out.read_text(encoding="utf-8") == "old\n" and sorted(p.name for p in tmp_path.iterdir()) == [
        out.name
    ]


def test_a_policy_written_through_a_link_replaces_the_file_it_names(tmp_path: Path) -> None:
    real = tmp_path / "real.yaml"
    real.write_text("old\n", encoding="utf-8")
    link = tmp_path / "link.yaml"
    link.symlink_to(real)
    wb.Policy(name="linked").to_yaml(link)
    assert link.is_symlink() and wb.Policy.from_yaml(real).name == "linked"
