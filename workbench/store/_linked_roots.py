"""The store's ``linked_roots`` table (schema.sql): the steps carrying one span link, kept as steps are stored.

Filled from whichever rows are being stored (``sql/linked_roots.sql``): the ingest's staged steps (in the merge's
transaction, ``ingest/_links.keep_linked_roots``), an export's new steps (``_export_merge``), and the whole steps
table once, when a store of schema version 2 is opened (its migration).
"""

from __future__ import annotations

import functools
from importlib import resources

#: The relations the rows may come from (the SQL's ``linked_source``; never a name from elsewhere).
SOURCES = ("steps", "stage_steps", "export_new_steps")


@functools.lru_cache(maxsize=None)
def keep_linked_roots_sql(source: str) -> str:
    """The INSERT adding the link-carrying steps of ``source`` (one of :data:`SOURCES`) to linked_roots."""
    if source not in SOURCES:
        raise ValueError(f"linked_roots are kept from {', '.join(SOURCES)}, not {source!r}")
    # (read here, not through _connection.sql_text: _connection's migrations use this)
    text = resources.files(__package__).joinpath("sql", "linked_roots.sql").read_text(encoding="utf-8")
    return "\n".join(ln for ln in text.splitlines() if not ln.startswith("--")).replace(
        "linked_source", source
    )
