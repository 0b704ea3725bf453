"""False alarms the detectors raised on public real logs (Who&When, Magentic-One, AG2), each on a run of
that shape the test writes, beside the fault the detector is there for."""

from __future__ import annotations

import json

from _runs import RunBuilder, _hits, _ws

from workbench.detect import detect


def _group_chat(run_id: str, executor_outputs: list[tuple[str, str]]) -> RunBuilder:
    """An AG2 group chat as Who&When logs it: experts write code in their messages, the executor
    runs it; the executor's step has no input (the code is in the message before it)."""
    run = RunBuilder(run_id)
    for k, (status, output) in enumerate(executor_outputs):
        run.add(kind="agent", agent="Expert", output=f"Here is version {k} of the script:\n```python\nprint({k})\n```")
        run.add(kind="tool", agent="Computer_terminal", tool="Computer_terminal", status=status,
                error=output if status == "error" else None, output=output)
    return run


def test_calls_whose_arguments_the_log_does_not_hold_are_no_loop_or_retry() -> None:
    # Every executor call had the signature of "no arguments", so any two in a row were "the same call":
    # a loop on 57 and a retry on 50 of the 126 Who&When Algorithm-Generated runs.
    chat = _group_chat("chat", [("error", "exitcode: 1 (execution failed)\nTraceback ..."),
                                ("error", "exitcode: 1 (execution failed)\nNameError"),
                                ("ok", "exitcode: 0 (execution succeeded)\nCode output: 12"),
                                ("ok", "exitcode: 0 (execution succeeded)\nCode output: 13")])
    same = RunBuilder("same")
    for status in ("error", "error", "ok", "ok", "ok"):
        same.add(kind="tool", agent="Expert", tool="run_code", input='{"code": "print(1)"}', status=status,
                 error="boom" if status == "error" else None)
    findings = detect(_ws(chat, same), detectors=["loop", "retry"])
    assert {(h["run_id"], h["detector"]) for h in findings.to_dict("records")} == {("same", "loop"),
                                                                                    ("same", "retry")}
    assert json.loads(_hits(findings, "retry")[0]["attributes"])["retries"] == 2
