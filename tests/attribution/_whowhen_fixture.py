"""Who&When-format failed runs, written by the tests themselves (no shared data needed).

Two "systems" with different agent names, turn counts and a different place for the fault: what
is common is what a portable model can learn -- the culprit is the agent move that first states
the value the wrong final answer rests on (made up, or a tool result misread), later moves repeat
it, sometimes someone corrects it. A model that learned agent names cannot carry over.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

SYSTEMS = {
    "alpha": (["Planner_Expert", "DataAnalysis_Expert", "Verification_Expert"], "Computer_terminal"),
    "beta": (["Orchestrator", "WebSurfer", "Coder", "FileReader"], "ComputerTerminal"),
}
_FILLER = [
    "Let me look at the data first.",
    "We need to check the source carefully.",
    "I will run the code to compute the intermediate result.",
    "Here is the approach we will follow.",
    "Please continue with the next part of the plan.",
]


def _turn(system: str, agent: str, content: str) -> dict:
    # Algorithm-Generated names the speaker in `name`; Hand-Crafted in `role`.
    return (
        {"content": content, "name": agent, "role": "assistant"}
        if system == "alpha"
        else {"content": content, "role": agent}
    )


def make_run(system: str, i: int, rng: np.random.Generator) -> dict:
    """One failed run of ``system`` with its culprit label."""
    agents, terminal = SYSTEMS[system]
    truth = int(rng.integers(100, 999))
    task_num = int(rng.integers(10, 99))
    question = f"Task {i}: how many items remain when {task_num} are removed from the catalogue?"
    n_before = int(rng.integers(1, 4)) if system == "alpha" else int(rng.integers(3, 7))
    history, speakers = [], []

    def say(agent: str, text: str) -> None:
        history.append(_turn(system, agent, text))
        speakers.append(agent)

    say(agents[0], f"Plan: step 1 read the catalogue, step 2 subtract {task_num}. {question}")
    for _ in range(n_before):
        a = agents[int(rng.integers(0, len(agents)))]
        say(a, str(rng.choice(_FILLER)) + f" The catalogue has {truth + task_num} entries.")
        if rng.random() < 0.5:
            say(terminal, f"exitcode: 0 (execution succeeded)\nCode output: {truth + task_num}")
    culprit = agents[int(rng.integers(0, len(agents)))]
    wrong = truth + int(rng.integers(11, 90))
    if rng.random() < 0.5:
        say(culprit, f"I assume the remaining count is about {wrong}; this is a placeholder estimate.")
    else:
        say(terminal, f"exitcode: 0 (execution succeeded)\nCode output: {truth}")
        say(culprit, f"The output shows {wrong} items remain after removing {task_num}.")
    step = len(history) - 1
    for _ in range(int(rng.integers(1, 4))):
        a = agents[int(rng.integers(0, len(agents)))]
        say(
            a,
            f"Verified: the result {wrong} is consistent with the plan."
            if rng.random() < 0.6
            else str(rng.choice(_FILLER)),
        )
    say(agents[-1], f"The answer is {wrong}. TERMINATE")
    return {
        "question": question,
        "ground_truth": str(truth),
        "history": history,
        "is_correct": False,
        "question_ID": f"{system}-{i}",
        "mistake_agent": culprit,
        "mistake_step": str(step),
        "mistake_reason": "stated a value no source supports",
    }


# The Who&When adapter names the system after the subset folder: two folders, two systems.
FOLDERS = {"alpha": "Algorithm-Generated", "beta": "Hand-Crafted"}


def write_runs(folder: Path, system: str, n: int, seed: int) -> Path:
    """Write ``n`` runs of ``system`` as one JSON file per run under ``folder/<subset folder>``."""
    rng = np.random.default_rng(seed)
    out = folder / FOLDERS[system]
    out.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        (out / f"{i}.json").write_text(json.dumps(make_run(system, i, rng)), encoding="utf-8")
    return out


def two_systems_frame(folder: Path, n_alpha: int, n_beta: int) -> tuple:
    """A store of ``n_alpha`` alpha and ``n_beta`` beta runs written under ``folder``, its portable feature table, and
    the alpha and beta run ids (sorted): a model fitted on alpha meets beta as a system it never saw.

    Copies of the store and the table, built once per process for each size (three modules ask for 24 + 12, see
    tests/_built.py): the runs are written under the first caller's ``folder`` only."""
    from _built import once

    ws, X, alpha, beta = once(
        ("whowhen_two_systems", n_alpha, n_beta), lambda: _two_systems(folder, n_alpha, n_beta)
    )
    return ws.copy(), X.copy(), list(alpha), list(beta)


def _two_systems(folder: Path, n_alpha: int, n_beta: int) -> tuple:
    import workbench as wb
    from workbench.attribution._blame_model import BlameModel

    write_runs(folder, "alpha", n_alpha, seed=3)
    write_runs(folder, "beta", n_beta, seed=4)
    ws = wb.open()
    ws.ingest(str(folder / "*" / "*.json"), progress=False)
    X = BlameModel(features="portable", detect=False).frame(ws)
    alpha = sorted(X.loc[X["system"] == "whowhen/Algorithm-Generated", "run_id"].unique())
    beta = sorted(X.loc[X["system"] == "whowhen/Hand-Crafted", "run_id"].unique())
    return ws, X, alpha, beta


def agent_hits(model, ws, runs: list[str]) -> float:  # noqa: ANN001
    """Share of ``runs`` whose culprit agent ``model.predict`` names (the labels the fixture wrote)."""
    verdicts = model.predict(ws, runs)
    truth = ws.sql("SELECT run_id, agent FROM labels").df().set_index("run_id")["agent"]
    return float((verdicts["agent"].to_numpy() == truth.loc[verdicts["run_id"]].to_numpy()).mean())


def reloaded(model, X, path: Path):  # noqa: ANN001, ANN201
    """``model`` saved to ``path`` and loaded back, checked to rank the agents of ``X`` as ``model`` does."""
    import workbench as wb

    model.save(path)
    back = wb.BlameModel.load(path)
    assert back.rank_frame(X)[1].equals(model.rank_frame(X)[1])
    return back
