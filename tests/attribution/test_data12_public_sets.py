"""Converters of public labelled sets (AgentRx tau-bench, AEGIS) into Who&When records, on fixtures
written here in those sets' shapes, then ingested and read back as culprit labels."""

from __future__ import annotations

import json
from pathlib import Path

import workbench as wb
from workbench.attribution._heuristics import culprit_labels
from workbench.attribution._public_sets import aegis_records, agent_signature, tau_bench_records


def _tau_run(task_id: int) -> dict:
    return {
        "task_id": task_id,
        "reward": 0.0,
        "info": {"task": {"instruction": "You are Ann. Return the lamp."}},
        "traj": [
            {"role": "system", "content": "# Retail agent policy\nAuthenticate the user first."},
            {"role": "user", "content": "Hi, I want to return my lamp."},
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": "c1",
                        "type": "function",
                        "function": {"name": "get_order", "arguments": '{"id": 7}'},
                    }
                ],
            },
            {"role": "tool", "content": '{"order": 7, "items": ["lamp"], "total": 40}'},
            {"role": "assistant", "content": "Your order total was 400 dollars; I have refunded it."},
            {"role": "user", "content": "Thanks, bye. ###STOP###"},
        ],
    }


def _tau_truth(task_id: int, step: int, agent: str) -> dict:
    return {
        "trajectory_id": task_id,
        "failures": [
            {
                "failure_id": 1,
                "step_number": 3,
                "failed_agent": "Assistant",
                "step_reason": "no authentication",
            },
            {"failure_id": 2, "step_number": step, "failed_agent": agent, "step_reason": "misread the total"},
        ],
        "root_cause": {"failure_id": 2, "reason_for_root_cause": "the refund is wrong"},
    }


def test_tau_bench_records_index_turns_without_the_system_message() -> None:
    runs = [_tau_run(1), _tau_run(2), _tau_run(3), {"task_id": 4}]
    truth = [_tau_truth(1, 5, "Assistant"), _tau_truth(2, 6, "User"), _tau_truth(3, 9, "Assistant")]
    records, problems = tau_bench_records(runs, truth)
    assert [r["question_ID"] for r in records] == ["tau-retail-1", "tau-retail-2"]
    first, second = records
    # step_number 5 is traj[4] counting the system message: history[3] once the policy is set aside.
    assert first["mistake_step"] == "3" and first["mistake_agent"] == "Assistant"
    assert first["history"][3]["content"].startswith("Your order total was 400")
    assert first["system_prompt"] == {"Assistant": "# Retail agent policy\nAuthenticate the user first."}
    assert '"get_order"' in first["history"][1]["content"]  # a call's arguments are the turn's text
    assert second["mistake_agent"] == "Customer" and second["history"][4]["name"] == "Customer"
    # The bad records cost only themselves, each named.
    assert [w for w, _ in problems] == ["trajectories[2]", "trajectories[3]"]
    assert "step_number 9" in problems[0][1]


def test_tau_bench_runs_ingest_with_a_blamable_customer(tmp_path: Path) -> None:
    records, _ = tau_bench_records(
        [_tau_run(1), _tau_run(2)], [_tau_truth(1, 5, "Assistant"), _tau_truth(2, 6, "User")]
    )
    path = tmp_path / "tau.json"
    path.write_text(json.dumps(records))
    ws = wb.open()
    ws.ingest([str(path)], format="whowhen", progress=False)
    labels = culprit_labels(ws).sort_values("agent")
    assert list(labels["agent"]) == ["Assistant", "Customer"]
    assert list(labels["step_id"]) == ["t003", "t004"]
    kinds = dict(
        ws.con.execute(
            "SELECT DISTINCT agent, kind FROM steps WHERE agent IN ('Customer', 'tool')"
        ).fetchall()
    )
    assert kinds == {"Customer": "agent", "tool": "tool"}  # the simulated customer is an agent, not a human


def _aegis_flat(culprits: list[str]) -> dict:
    return {
        "question": "What is 2 + 3?",
        "trajectory": [
            {"step": 1, "agent_name": "Assistant1", "content": "2 + 3 = 6."},
            {"step": 2, "agent_name": "Assistant2", "content": "I agree, 6."},
            {"step": 3, "agent_name": "Assistant1", "content": "Final answer: 6"},
        ],
        "faulty_agents": [{"agent_name": c, "error_type": "FM-2.6"} for c in culprits],
    }


def test_aegis_records_keep_single_culprit_runs_of_either_shape(tmp_path: Path) -> None:
    hf_row = {
        "input": {
            "query": "Capital of France?",
            "conversation_history": [
                {"step": 1, "agent_name": "Solver", "content": "Lyon.", "phase": "solve"},
                {"step": 2, "agent_name": "Critic", "content": "Looks right.", "phase": "critique"},
            ],
            "final_output": "Lyon",
        },
        "ground_truth": {
            "correct_answer": "Paris",
            "injected_agents": [
                {"agent_name": "Solver", "error_type": "FM-1.1", "injection_strategy": "prompt_injection"}
            ],
        },
        "metadata": {"framework": "agentverse", "benchmark": "mmlu", "task_type": "qa"},
    }
    prompted = _aegis_flat(["assistant1"])
    prompted["trajectory"].insert(0, {"step": 0, "agent_name": "System", "content": "You are a solver."})
    items = [prompted, _aegis_flat(["Assistant1", "Assistant2"]), hf_row, "junk", _aegis_flat(["Assistant9"])]
    records, problems = aegis_records(items)
    assert [r["mistake_agent"] for r in records] == ["Assistant1", "Solver"]  # label case follows the speaker
    assert "mistake_step" not in records[0] and records[1]["framework"] == "agentverse"
    # smolagents' "System" turn is its system prompt, not a speaker the model could blame.
    assert [h["name"] for h in records[0]["history"]] == ["Assistant1", "Assistant2", "Assistant1"]
    assert records[0]["system_prompt"] == {"System": "You are a solver."}
    assert [w for w, _ in problems] == ["item[1]", "item[3]", "item[4]"]
    assert agent_signature(records[0]) == "AssistantN" and agent_signature(records[1]) == "Critic+Solver"
    path = tmp_path / "aegis.json"
    path.write_text(json.dumps(records))
    ws = wb.open()
    ws.ingest([str(path)], format="whowhen", progress=False)
    labels = culprit_labels(ws).sort_values("agent")
    assert list(labels["agent"]) == ["Assistant1", "Solver"]
    assert labels["step_id"].isna().all()  # an agent label with no step


def test_runs_labelled_with_an_agent_alone_teach_the_model(tmp_path: Path) -> None:
    """A run whose label names the culprit agent but no step (AEGIS) used to be left out of the fit: with
    only such runs, fit raised. Now the agent's first move stands for its part, and the model learns."""
    import numpy as np
    from _whowhen_fixture import make_run

    from workbench.attribution._blame_model import BlameModel
    from workbench.attribution._evaluate import evaluate_attribution

    rng = np.random.default_rng(5)
    for system, n in (("alpha", 60), ("beta", 30)):
        folder = tmp_path / system
        folder.mkdir()
        for i in range(n):
            rec = make_run(system, i, rng)
            if system == "alpha":
                del rec["mistake_step"]  # training runs: who, not where
            (folder / f"{i}.json").write_text(json.dumps(rec))
    ws = wb.open()
    ws.ingest(str(tmp_path / "alpha" / "*.json"), progress=False)
    alpha = [r for (r,) in ws.sql("SELECT run_id FROM runs ORDER BY 1").fetchall()]
    ws.ingest(str(tmp_path / "beta" / "*.json"), progress=False)
    beta = [r for (r,) in ws.sql("SELECT run_id FROM runs ORDER BY 1").fetchall() if r not in set(alpha)]
    assert culprit_labels(ws, alpha)["step_id"].isna().all()
    # (without the confidence calibration, five more fits: it moves no rank, so not agent_acc; suite54)
    model = BlameModel(features="portable", calibration_cv=None).fit(ws, alpha)
    assert model.n_runs_ == 60
    table = evaluate_attribution(ws, ["blame_model", "random"], model=model, run_ids=beta).set_index("method")
    assert table.loc["blame_model", "agent_acc"] > table.loc["random", "agent_acc"] + 0.2
