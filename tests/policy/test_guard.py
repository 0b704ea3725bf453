"""The runtime Guard: violations, escalations, the context manager and decorator, threads, memory,
and that importing it pulls in nothing heavy."""

from __future__ import annotations

import subprocess
import sys
import threading

import pytest

from workbench.guard import Escalation, Guard
from workbench.policy import Breakers, Budgets, HitlRule, Loops, Policy, PolicyViolation


def tool(guard: Guard, run: str, agent: str, name: str, args: object, status: str = "ok") -> None:
    guard.before_step(run, agent, "tool", tool=name, args=args)
    guard.after_step(run, agent, "tool", tool=name, args=args, status=status, latency_ms=5.0)


def test_budget_violation_names_rule_value_and_limit() -> None:
    guard = Guard(Policy(budgets=Budgets(max_tool_calls_run=2)))
    tool(guard, "r1", "a", "t", {"x": 1})
    tool(guard, "r1", "a", "t", {"x": 2})
    with pytest.raises(PolicyViolation) as err:
        guard.before_step("r1", "a", "tool", tool="t", args={"x": 3})
    assert (err.value.rule, err.value.value, err.value.limit, err.value.run_id) == (
        "max_tool_calls_run",
        3,
        2,
        "r1",
    )
    assert "max_tool_calls_run is 3, the limit is 2" in str(err.value)
    with pytest.raises(PolicyViolation):  # a cut run stays cut
        guard.before_step("r1", "b", "llm")
    tool(guard, "r2", "a", "t", {"x": 1})  # other runs are not affected


def test_per_agent_budget_retries_and_loops() -> None:
    guard = Guard(Policy(budgets=Budgets(max_tool_calls_agent=2, max_retries=1), loops=Loops(max_repeats=1)))
    tool(guard, "r", "a", "t", {"x": 1})
    tool(guard, "r", "b", "t", {"x": 1})
    tool(guard, "r", "a", "t", {"x": 2})
    with pytest.raises(PolicyViolation, match="max_tool_calls_agent is 3, the limit is 2"):
        guard.before_step("r", "a", "tool", tool="t", args={"x": 9})
    # retries: the same failing call made again
    guard = Guard(Policy(budgets=Budgets(max_retries=1), loops=Loops(max_repeats=1)))
    tool(guard, "q", "a", "get", {"id": 1}, status="error")
    tool(guard, "q", "a", "get", {"id": 1}, status="error")  # retry 1: allowed
    with pytest.raises(PolicyViolation, match="max_retries is 2, the limit is 1"):
        guard.before_step("q", "a", "tool", tool="get", args={" id": 1})  # whitespace does not matter
    # loops: a call that succeeded, made again (arguments compared without whitespace or case)
    tool(guard, "l", "a", "search", "Laptop Stand")
    tool(guard, "l", "a", "search", "laptopstand")  # repeat 1: allowed
    with pytest.raises(PolicyViolation, match="max_repeats is 2, the limit is 1"):
        guard.before_step("l", "a", "tool", tool="search", args="LAPTOP  STAND")


def test_breakers_and_pingpong() -> None:
    guard = Guard(
        Policy(
            breakers=Breakers(
                max_depth=3, max_handoffs=1, max_step_latency_ms=100.0, max_run_latency_ms=1000.0
            ),
            loops=Loops(max_pingpong=2),
        )
    )
    with pytest.raises(PolicyViolation, match="max_depth is 4, the limit is 3"):
        guard.before_step("d", "a", "llm", depth=4)
    guard.before_step("s", "a", "llm", started_at=0.0)
    with pytest.raises(PolicyViolation, match="max_step_latency_ms is 250, the limit is 100"):
        guard.after_step("s", "a", "llm", latency_ms=250.0, ended_at=0.25)
    guard.before_step("t", "a", "llm", started_at=0.0)
    with pytest.raises(PolicyViolation, match="max_run_latency_ms is 2000, the limit is 1000"):
        guard.after_step("t", "a", "llm", latency_ms=50.0, ended_at=2.0)
    # hand-offs that bring nothing: b's turn and a's turn after it, judged when they end
    for agent in "aba":
        guard.before_step("h", agent, "handoff")
    with pytest.raises(PolicyViolation, match="max_handoffs is 2, the limit is 1"):
        guard.before_step("h", "b", "handoff")
    # Ping-pong is work bounced back unchanged (tests/policy/test_bounce_rules.py): alternation alone,
    # each turn saying something new, is not (these turns bring no value: the hand-off breaker is left out)
    guard = Guard(Policy(loops=Loops(max_pingpong=2)))
    for i in range(6):
        agent = "ab"[i % 2]
        guard.before_step("p", agent, "llm")
        guard.after_step("p", agent, "llm", output=f"turn {i} of {agent}: something new about item {i}")
    said = {
        "a": "Here is the same plan again, please approve it: buy 40 units from the cheapest supplier.",
        "b": "I cannot approve this plan, it names no supplier and no price; please send a complete one.",
    }
    # A -> B -> A saying the same again is 2 exchanges, -> B the same again 3 (judged when the turn ends)
    for agent in ("a", "b", "a", "b"):
        guard.before_step("p2", agent, "llm")
        guard.after_step("p2", agent, "llm", output=said[agent])
    with pytest.raises(PolicyViolation, match="max_pingpong is 3, the limit is 2"):
        guard.before_step("p2", "a", "llm")


def test_escalation_hook_and_agent_scoped_rules() -> None:
    seen: list[Escalation] = []
    guard = Guard(
        Policy(hitl=(HitlRule("confidence", 0.5), HitlRule("entropy", 2.0, agent="pricer"))),
        on_escalate=seen.append,
    )
    guard.before_step("r", "planner", "llm")
    assert guard.after_step("r", "planner", "llm", confidence=0.9, entropy=3.0).action == "allow"
    d = guard.after_step("r", "pricer", "llm", confidence=0.9, entropy=3.0)
    assert (d.action, d.rule, d.value, d.limit) == ("escalate", "hitl:entropy>=2@pricer", 3.0, 2.0)
    guard.after_step("r", "planner", "llm", confidence=0.2)
    assert [(e.run_id, e.agent, e.rule, e.value) for e in seen] == [
        ("r", "pricer", "hitl:entropy>=2@pricer", 3.0),
        ("r", "planner", "hitl:confidence<=0.5", 0.2),
    ]
    assert (
        guard.after_step("r", "planner", "agent", confidence=0.1).action == "allow"
    )  # containers: no signal


def test_context_manager_and_decorator() -> None:
    seen: list[Escalation] = []
    clock = iter(range(100)).__next__
    guard = Guard(
        Policy(budgets=Budgets(max_tool_calls_run=2, max_retries=0), hitl=(HitlRule("confidence", 0.5),)),
        on_escalate=seen.append,
        clock=clock,
    )

    @guard.wrap(agent="pricer")
    def get_price(sku: str) -> float:
        if sku == "bad":
            raise RuntimeError("backend down")
        return 9.5

    with guard.run("r1"):
        assert get_price(sku="A") == 9.5
        with pytest.raises(RuntimeError):
            get_price(sku="bad")  # recorded as an error ...
        with pytest.raises(PolicyViolation, match="max_tool_calls_run"):
            get_price(sku="bad")  # ... and the third call is over budget
    assert guard.active_runs() == 0  # the run is forgotten on exit
    with guard.step("r2", "planner", "llm") as step:
        step.confidence = 0.3
    assert step.decision.action == "escalate" and seen[-1].run_id == "r2"
    with pytest.raises(ValueError, match="no run"):
        get_price(sku="A")


def test_bounded_memory_and_threads() -> None:
    guard = Guard(Policy(loops=Loops(max_repeats=1000, window=8)), max_runs=50)
    for i in range(200):
        tool(guard, f"r{i}", "a", "t", {"i": i})
    assert guard.active_runs() == 50  # least recently used runs forgotten
    for i in range(1000):
        tool(guard, "long", "a", "t", {"i": i % 3})
    state = guard._runs["long"]
    assert len(state.window) == 8 and len(state.outcomes) <= 512

    guard = Guard(Policy(budgets=Budgets(max_tool_calls_run=500)))
    errors: list[BaseException] = []

    def worker(k: int) -> None:
        try:
            for i in range(500):
                tool(guard, f"run{k % 4}", f"agent{k}", "t", {"i": i, "k": k})
        except PolicyViolation as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # 4 runs, 2 threads each, 1000 calls per run for a budget of 500: each run is cut at exactly call
    # 501 (no lost update across threads); a thread still calling after that is stopped too.
    assert {e.run_id for e in errors} == {"run0", "run1", "run2", "run3"}
    assert all(e.value == 501 and e.rule == "max_tool_calls_run" for e in errors)
    assert all(guard._runs[f"run{k}"].tool_calls == 501 for k in range(4))


def test_importing_the_guard_loads_nothing_heavy() -> None:
    code = (
        "import sys, workbench.guard, workbench.policy\n"
        "from workbench.guard import Guard\n"
        "from workbench.policy import Policy, HitlRule\n"
        "g = Guard(Policy(hitl=(HitlRule('confidence', 0.5),)))\n"
        "g.before_step('r', 'a', 'llm'); g.after_step('r', 'a', 'llm', confidence=0.9)\n"
        "heavy = sorted(m for m in ('duckdb', 'pandas', 'numpy', 'ipywidgets', 'altair', 'sklearn', 'scipy')"
        " if m in sys.modules)\n"
        "print(','.join(heavy))\n"
        # suggest_limits's module (the widgets' system picker imports it) and the threshold sweeps: pandas and
        # duckdb, not scikit-learn or scipy (a second or more of every notebook's import of workbench.widgets)
        "import workbench.policy._limits, workbench.thresholds\n"
        "print(','.join(m for m in ('sklearn', 'scipy', 'altair', 'ipywidgets') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    guard, limits = out.stdout.split("\n")[:2]
    assert guard == "", f"importing the guard loaded {guard}"
    assert limits == "", f"importing workbench.policy._limits and workbench.thresholds loaded {limits}"


def test_guard_from_a_policy_file(tmp_path) -> None:
    policy = Policy(budgets=Budgets(max_tool_calls_run=1))
    for path in (tmp_path / "p.yaml", tmp_path / "p.json"):
        (policy.to_yaml if path.suffix == ".yaml" else policy.to_json)(path)
        guard = Guard(str(path))
        assert guard.policy == policy
        tool(guard, "r", "a", "t", 1)
        with pytest.raises(PolicyViolation):
            tool(guard, "r", "a", "t", 2)
    (tmp_path / "policy.txt").write_text(policy.to_yaml())
    assert Policy.from_yaml(str(tmp_path / "policy.txt")) == policy  # a file whatever its suffix
    with pytest.raises(ValueError, match="max_runs must be >= 1"):
        Guard(policy, max_runs=0)


def test_a_tool_kind_in_capitals_counts_as_a_tool_call_live_and_in_the_backtest() -> None:
    """A user's guard integration writing "TOOL" / "Tool" (as its log does): on 7642204 the store quarantined
    those steps and the guard read them as non-tool steps, so a tool-call budget was never enforced."""
    import workbench as wb

    policy = Policy(budgets=Budgets(max_tool_calls_run=2))
    kinds = ["TOOL", "Tool", "tool"]
    guard = Guard(policy)
    for i, kind in enumerate(kinds[:2]):
        guard.before_step("r", "a", kind, tool="t", args={"x": i})
        guard.after_step("r", "a", kind, tool="t", args={"x": i})
    with pytest.raises(PolicyViolation, match="max_tool_calls_run is 3"):
        guard.before_step("r", "a", kinds[2], tool="t", args={"x": 2})
    calls: list[str] = []
    wrapped = guard.wrap("a", kind="TOOL")(lambda q: calls.append(q))  # named for the function, as a tool
    with guard.run("w"), pytest.raises(PolicyViolation, match="max_tool_calls_run is 3"):
        for q in "abc":
            wrapped(q)
    assert calls == ["a", "b"]
    ws = wb.open()
    report = ws.ingest(
        [
            {
                "run_id": "r",
                "step_id": f"s{i}",
                "seq": i,
                "agent": "a",
                "kind": k,
                "tool": "t",
                "input": {"x": i},
            }
            for i, k in enumerate(kinds)
        ]
        + [{"record": "run", "run_id": "r", "outcome": "failure"}],
        progress=False,
    )
    assert report.quarantined == 0
    cut = wb.backtest(policy, ws).runs.set_index("run_id").loc["r"]
    assert (cut["cut_step"], cut["cut_rule"]) == ("s2", "max_tool_calls_run")
