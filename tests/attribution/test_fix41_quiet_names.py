"""A blank agent name in the verdict's sentences (fix41): quoted as the store holds it, a long one cut."""

from __future__ import annotations

from test_attack41_quiet_names import _why


def test_a_blank_name_is_quoted_as_written() -> None:
    assert 'and researcher, the agent named "" acted' in _why("writer", ["researcher", ""])
    assert 'but the agent named "  \\t"\'s input' in _why("  \t", ["researcher"])
    assert 'the agent named "          "… acted' in _why("writer", [" " * 5000])
