"""Memory that DuckDB's worker threads keep after a statement, given back between staging blocks.

After the OTLP spans statement of a 32 MB block DuckDB's buffer pool held 6-34 MB while the process's RSS
stayed at 325-550 MB (1M generated spans); ``SET threads = 1`` (which ends the worker threads) brought it to
~175 MB, closing the connection no lower, and ``malloc_trim`` freed only ~30 MB: the rest is kept by the
threads themselves. Each block's statement then started from that retained memory, so peak RSS grew
over the blocks.
"""

from __future__ import annotations

import duckdb


def release_worker_memory(con: duckdb.DuckDBPyConnection) -> None:
    """End DuckDB's worker threads and start them again (same count): their retained memory is freed."""
    threads = con.execute("SELECT current_setting('threads')").fetchall()[0][0]
    if int(threads) <= 1:
        return  # no worker threads to end
    con.execute("SET threads = 1")
    # (the count DuckDB gave back, an integer: not log data)
    con.execute(f"SET threads = {int(threads)}")
