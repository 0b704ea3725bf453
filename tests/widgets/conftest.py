from __future__ import annotations

from _sim_store import system, ws, xss_ws  # noqa: F401  (this directory's own store)
