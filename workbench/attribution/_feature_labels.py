"""What each BlameModel feature is called where a person reads it (a chart's axis, a table of SHAP values).

The names (``det_value``, ``first_numbers``) are the model's columns; an SRE reading "why this step" needs
words. One short label per feature, a few words that fit a chart's axis (at most 40 characters); the longer
description stays in :data:`~workbench.attribution.FEATURES`. Every view that names a feature takes its label
from here (:func:`feature_label`), so a chart and a table never call one feature two things.
"""

from __future__ import annotations

FEATURE_LABELS: dict[str, str] = {
    # where the move sits in the run
    "position": "position in the run",
    "rel_pos": "how far into the run",
    "pos_from_end": "moves after it",
    "n_moves": "moves in the run",
    "is_last": "the run's last move",
    "is_tool": "a tool call",
    "is_handoff": "a hand-off",
    "is_human": "a human turn",
    "is_model": "an LLM / agent turn",
    "first_of_agent": "the agent's first move",
    "agent_turn": "times the agent took over",
    "handoff_in": "first move after a hand-off",
    "handoff_out": "last move before a hand-off",
    "agent_share": "agent's share of the moves",
    "agent_first_rel": "when the agent first acts",
    "first_model_turn": "the first agent turn",
    "agent_tool_calls": "agent's tool calls in the run",
    # what the output says
    "out_len": "output length",
    "n_numbers": "numbers in the output",
    "hedge_words": "hedging words (maybe, assume)",
    "error_words": "error words in the output",
    "contra_words": "contradiction words (incorrect)",
    "has_code": "output has code",
    "questions": "questions asked",
    "sim_prev": "like the previous move",
    "sim_prev_agent": "like the agent's previous move",
    "repeat_agent": "repeats the agent's last output",
    "novel_values": "new values (in no earlier step)",
    "novel_frac": "share of values that are new",
    "novel_word_frac": "share of words that are new",
    "novel_echoed": "its new values repeated later",
    "contra_ref": "later contradicted, citing it",
    "contra_after": "contradictions by others after",
    "contra_dist": "moves until a contradiction",
    "contra_next": "contradicted by the next move",
    # data flow
    "n_consumers": "steps using its output",
    "n_consumer_agents": "other agents using its output",
    "n_inputs": "outputs it uses",
    "reaches_final": "its output reaches the answer",
    # status and errors
    "is_error": "unhandled error",
    "status_missing": "no ok/error status logged",
    "has_error_text": "error message recorded",
    "error_env": "environment error (timeout, 5xx)",
    "error_input": "caller-caused error (4xx, schema)",
    "is_first_error": "the run's first error",
    "since_first_error": "moves since the first error",
    "next_error": "next move is an error",
    "next_agent_error": "agent's next move is an error",
    "consumer_error": "a step using its output failed",
    "consumer_error_input": "a user of its output failed (4xx)",
    "is_retry": "retry of a failed call",
    "same_call": "same call repeated",
    "agent_errors": "agent's errors in the run",
    "handled_failure": "failed call later redone fine",
    # timing and tokens
    "latency": "latency",
    "latency_missing": "no latency logged",
    "latency_z_run": "slow for this run",
    "latency_z_peer": "slow for this agent's step",
    "tokens_in": "input tokens",
    "tokens_out": "output tokens",
    "tokens_missing": "no token counts logged",
    # log-probabilities
    "confidence": "confidence",
    "confidence_missing": "no confidence logged",
    "conf_z_peer": "confidence vs same steps",
    "conf_z_run": "confidence vs the run",
    "conf_rank": "confidence rank in the run",
    "is_min_conf": "least confident move",
    "entropy": "entropy",
    "entropy_missing": "no entropy logged",
    "ent_z_peer": "entropy vs same steps",
    "is_max_entropy": "most uncertain move",
    "agent_min_conf_z": "agent's least confident move",
    # detector findings
    "det_hits": "detector findings on the move",
    "det_info": "built on a failed step (cascade)",
    "det_loop": "loop finding on the move",
    "det_retry": "failed retries on the move",
    "det_value": "silent-failure finding on the move",
    "det_breach": "limit breach on the move",
    "det_first": "first move a detector flags",
    "agent_det_hits": "findings on the agent",
    "agent_pingpong": "agent in a ping-pong",
    # portable (learned on one system, used on another)
    "model_rank": "agent turn number",
    "model_rank_rel": "how far into the agent turns",
    "agent_order": "order the agent spoke in",
    "agent_order_rel": "how late the agent spoke first",
    "n_agents": "agents in the run",
    "agent_move_idx": "agent's move number",
    "self_correct": "self-correction (sorry, let me fix)",
    "plan_words": "planning words",
    "verify_words": "verification words",
    "fabricate_words": "made-up data words (assume, mock)",
    "final_words": "closing words (final answer)",
    "after_tool": "right after a tool call",
    "after_tool_fail": "right after a failed tool call",
    "code_then_fail": "its code then failed",
    "tool_support": "numbers a tool output gave",
    "task_support": "numbers the task gave",
    "final_origin": "first states the answer's numbers",
    "final_origin_first": "first to state an answer number",
    "corrected_later": "its numbers corrected later",
    "max_sim_earlier": "like an earlier move",
    "first_numbers": "first to state unsupported numbers",
    "first_code": "first agent move with code",
    "len_rank": "output length rank in the run",
    "role_addressed": "others address this agent",
    "role_delegates": "agent hands off or names others",
    "role_external": "agent brings new words (rank)",
    "role_len": "agent's output length (rank)",
    "role_share_rank": "agent's number of moves (rank)",
    "role_tool_adjacent": "agent works beside tools",
    "step_novel_rank": "newest words of the agent's moves",
    "step_loop_after": "a loop starts after it",
    "unconfirmed_values": "new numbers no tool confirms",
    "handoff_received": "passes on another agent's numbers",
    "handoff_passed": "its numbers other agents repeat",
    "corrected_by_other": "another agent corrects it",
    "agent_final_first": "agent is the answer's source",
    "agent_final_relay": "agent relays the answer's numbers",
    "agent_out_degree": "agents repeating this agent",
    "agent_in_degree": "agents this agent repeats",
    # explain(): the unfitted prior on a run's first unsupported numbers, one more additive term
    "value_prior": "prior: first unsupported numbers",
}


def feature_label(name: str) -> str:
    """The words a view shows for feature ``name`` (the name itself for a column this table does not know)."""
    from ._run_contrast import DEV_SUFFIX, RANK_SUFFIX, base_name

    base = base_name(name)
    if base != name:  # a within-run contrast column (BlameModel's run_contrast)
        words = (
            "outlier in its run"
            if name.endswith(DEV_SUFFIX)
            else "rank in its run"
            if name.endswith(RANK_SUFFIX)
            else "vs its run"
        )
        return f"{FEATURE_LABELS.get(base, base)} ({words})"
    return FEATURE_LABELS.get(name, name)
