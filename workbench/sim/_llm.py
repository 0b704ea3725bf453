"""Per-step randomness: token log-probabilities, latencies, token counts and cost.

Every step draws its noise from a table indexed by its *slot* (the step's name and how many times
that name already occurred in the run), never from a shared stream. So a replay that changes one
step does not shift the random numbers of any other step, and resuming from a snapshot gives the
same numbers as re-running from the start.
"""

from __future__ import annotations

import math

import numpy as np

MAX_OCC = 8  # occurrences of one step name per run with their own noise (later ones share)
N_NORMAL = 17
N_UNIFORM = 10

SLOT_NAMES = (
    "procurement.run",
    "planner",
    "retriever",
    "pricer",
    "executor",
    "verifier",
    "handoff",
    "planner.parse_task",
    "retriever.plan_search",
    "retriever.select_item",
    "retriever.choose_supplier",
    "retriever.reply",
    "pricer.plan",
    "pricer.quote",
    "pricer.reply",
    "executor.plan",
    "executor.report",
    "verifier.plan",
    "verifier.judge",
    "verifier.final_answer",
    "retriever:search_catalog",
    "retriever:lookup_supplier",
    "pricer:get_price",
    "executor:place_order",
    "verifier:check_order",
)
SLOT_INDEX = {name: i for i, name in enumerate(SLOT_NAMES)}

# Prices per million tokens (input, output); model names are what the step records show.
MODEL_PRICE = {"v1": (0.15, 0.60), "v2": (0.25, 1.00)}

# The logit gap between the chosen token and the runner-up: larger is more confident. Agents
# differ a little, as real prompts do.
AGENT_GAP = {"planner": 3.4, "retriever": 3.0, "pricer": 3.2, "executor": 3.3, "verifier": 3.5}

_ALT_TOKENS = (" the", "0", "1", "2", "5", "9", ".", ",", '"', " a", " of", ":", "-", " to", "00", " and")


class Noise:
    """The noise tables of one run (normal and uniform draws per slot)."""

    __slots__ = ("normal", "uniform")

    def __init__(self, rng: np.random.Generator) -> None:
        shape = (len(SLOT_NAMES), MAX_OCC)
        self.normal = rng.standard_normal((*shape, N_NORMAL))
        self.uniform = rng.random((*shape, N_UNIFORM))

    def slot(self, name: str, occ: int) -> tuple[list[float], list[float]]:
        i = SLOT_INDEX[name]
        j = min(occ, MAX_OCC - 1)
        return self.normal[i, j].tolist(), self.uniform[i, j].tolist()


def _tokens_of(text: str, k: int) -> list[str]:
    """Split ``text`` into ``k`` short pieces (stand-ins for the model's tokens)."""
    text = text or "ok"
    step = max(1, min(4, math.ceil(len(text) / k)))
    pieces = [text[i : i + step] for i in range(0, len(text), step)][:k]
    while len(pieces) < k:
        pieces.append(_ALT_TOKENS[len(pieces)])
    return pieces


def _r4(x: float) -> float:
    # round(x, 4) goes through decimal conversion; this is exact enough and several times faster.
    return math.floor(x * 10_000.0 + 0.5) / 10_000.0


def logprobs(text: str, gap: float, z: list[float], u: list[float]) -> list[dict]:
    """OpenAI-style token log-probabilities for an output.

    Parameters
    ----------
    text : str
        The salient part of the output, cut into 3-6 tokens.
    gap : float
        Mean logit gap between chosen token and runner-up for this step. Faulty and uncertain
        steps get a smaller gap; per-token noise makes the two populations overlap.
    z, u : list of float
        The slot's normal and uniform draws.
    """
    k = 3 + int(u[0] * 4)
    toks = _tokens_of(text, k)
    out = []
    # log of the probability mass inside the top 3 (the rest is spread over the vocabulary)
    log_keep = math.log(0.98 - 0.06 * u[1])
    n_alt = len(_ALT_TOKENS)
    for t in range(k):
        g = min(7.0, max(0.05, gap + 0.7 * z[1 + t]))
        h = 0.3 + abs(z[7 + t]) * 0.9
        lz = log_keep - math.log(1.0 + math.exp(-g) + math.exp(-g - h))
        a = int(u[2 + (t % 4)] * n_alt)
        lp0 = _r4(lz)
        out.append(
            {
                "token": toks[t],
                "logprob": lp0,
                "top_logprobs": [
                    {"token": toks[t], "logprob": lp0},
                    {"token": _ALT_TOKENS[a], "logprob": _r4(lz - g)},
                    {"token": _ALT_TOKENS[(a + 7) % n_alt], "logprob": _r4(lz - g - h)},
                ],
            }
        )
    return out


def llm_timing(n_out: int, z: list[float], slow: float = 1.0) -> int:
    """Latency of an LLM call in microseconds."""
    ms = (220.0 + 14.0 * n_out) * math.exp(0.3 * z[13]) * slow
    return int(ms * 1000)


def tool_timing(base_ms: float, z: list[float]) -> int:
    """Latency of a tool call in microseconds (log-normal around ``base_ms``)."""
    return int(base_ms * math.exp(0.35 * z[14]) * 1000)


def gap_us(u: list[float]) -> int:
    """Scheduling gap before a step starts, 1-25 ms."""
    return int((1.0 + 24.0 * u[9]) * 1000)


def token_counts(seq: int, z: list[float], u: list[float]) -> tuple[int, int]:
    """(tokens_in, tokens_out): prompts grow as the run's context grows."""
    t_in = int(380 + 95 * seq + 60 * abs(z[15]))
    t_out = int(18 + 60 * u[8] + 8 * abs(z[16]))
    return t_in, t_out


def cost(model_price: tuple[float, float], t_in: int, t_out: int) -> float:
    return round((t_in * model_price[0] + t_out * model_price[1]) / 1e6, 8)
