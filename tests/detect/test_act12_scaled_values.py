"""A number with a scale word ("5.4 million", "3 million") is one value wherever values are compared:
in tool outputs and agent messages as in the final answer, and whatever its digits' size."""

from __future__ import annotations

import pytest
from _runs import RunBuilder, _ws

from workbench.detect import detect

Case = tuple[str, str, str]

ROUNDED: list[Case] = [
    # an agent rounds the backend's number with a scale word on the way: no value made up upstream
    (
        '{"city": "Lisbon", "population": 5412345}',
        "Lisbon has about 5.4 million inhabitants.",
        "About 5.4 million people live in Lisbon.",
    ),
    # the backend writes the scale word, the answer the digits
    (
        "Lisbon: 5.4 million inhabitants (2024 census)",
        "Lisbon has 5,400,000 inhabitants.",
        "5,400,000 people live in Lisbon.",
    ),
    # a whole number of millions rounds the backend's figure
    (
        '{"city": "Lisbon", "population": 2950000}',
        "Lisbon has about 3 million inhabitants.",
        "About 3 million people live in Lisbon.",
    ),
]
# "3 million": its digits are under silent_min_value and have no decimal point, so it was no value
UNSUPPORTED: Case = (
    '{"city": "Lisbon", "population": 545000}',
    "Lisbon has about 3 million inhabitants.",
    "About 3 million people live in Lisbon.",
)


def _run(run_id: str, census: str, message: str, answer: str) -> RunBuilder:
    """A researcher looks the population up (the backend says ``census``), tells the writer
    ``message``, and the run reports success with ``answer``."""
    run = RunBuilder(run_id, task="How many people live in Lisbon?", outcome="success")
    run.add(
        kind="llm",
        agent="researcher",
        name="gpt-4o",
        input="How many people live in Lisbon?",
        output='{"tool_calls": [{"name": "get_population", "arguments": {"city": "Lisbon"}}]}',
    )
    run.add(kind="tool", agent="researcher", tool="get_population", input='{"city": "Lisbon"}', output=census)
    run.add(
        kind="llm",
        agent="researcher",
        name="gpt-4o",
        input=f"get_population returned: {census}",
        output=message,
    )
    run.add(kind="handoff", agent="researcher", name="to writer", input=message, output="writer")
    run.add(kind="llm", agent="writer", name="gpt-4o", input="Write the answer.", output=answer)
    run.answer(answer)
    return run


@pytest.fixture(scope="module")
def silent() -> dict[Case, list[str]]:
    """Each case's silent_failure findings ("detector: detail"): one run a case, in one store, one detect (a store
    and a detect a case before; suite54). The runs share no id; each case is read from its own run."""
    cases = [*ROUNDED, UNSUPPORTED]
    runs = [_run(f"r{i}", *case) for i, case in enumerate(cases)]
    found = detect(_ws(*runs), detectors=["silent_failure", "cascade"])
    rows = zip(found["run_id"], found["detector"], found["detail"], strict=True)
    said = [(r, f"{d}: {t}") for r, d, t in rows if d == "silent_failure"]
    return {case: [text for r, text in said if r == f"r{i}"] for i, case in enumerate(cases)}


@pytest.mark.parametrize(("census", "message", "answer"), ROUNDED)
def test_a_scaled_number_rounding_the_backend_is_no_silent_failure(
    silent: dict[Case, list[str]], census: str, message: str, answer: str
) -> None:
    assert silent[census, message, answer] == []


def test_three_million_is_a_value_and_unsupported_by_545_thousand(silent: dict[Case, list[str]]) -> None:
    found = silent[UNSUPPORTED]
    assert len(found) == 1 and "3 million" in found[0] and "first stated by researcher" in found[0], found
