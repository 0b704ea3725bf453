"""The policy commands' words for a command-line reader: the library's notes name Python calls, and a backtest that
weighed nothing must say so, not leave a table of zeros."""

from __future__ import annotations


def cli_words(text: str) -> str:
    """A policy's notes on the command line: they name the library's call, which here is an option (a first-time
    reader of "wb.suggest_limits(ws) sets limits at a quantile" looked for a command of that name)."""
    if text.startswith("limits learned over "):  # (this command's way to one system is its option)
        text = text.replace(
            "wb.suggest_limits(ws) gives limits per system",
            "--system NAME learns a policy from one system's runs",
        )
    return text.replace("wb.suggest_limits(ws)", "policy suggest --method peaks")


def nothing_weighed(n_unknown: int, db: str | None) -> str:
    """Every run left out for its unknown outcome (most exports of real traces): nothing was backtested, and how to."""
    from ._investigate import BY_FILE  # (investigate's advice, the same way to label)

    where = f"in wb.open({db!r})" if db else "in a store kept with --db"
    return (
        f"nothing was backtested: {'the one run here is' if n_unknown == 1 else f'all {n_unknown:,} runs here are'} "
        "of unknown outcome, and a backtest weighs failed runs stopped against successful runs lost. Label "
        f'outcomes {where} (ws.runs(outcome="unknown") lists them; ws.label(run_id, outcome="failure") or '
        f'outcome="success"), {BY_FILE}, then backtest again; policy suggest --method peaks already names the runs each limit '
        "stops, whatever their outcome"
    )
