"""The name of the in-memory database holding the detectors' macros (detect/_macros.py), apart so that opening a
store (store/_connection.py's crafted-file check) knows it without importing the detectors.

DuckDB names a file's database after the file's stem: under a fixed name, a store kept in a file of that name *was*
the catalogue (ATTACH IF NOT EXISTS attached nothing, the detectors wrote their macros into the user's file, and the
crafted-file check left that file's macros out). A random part drawn per process makes the name one no file on disk
is called by, and both sides still check the database is the in-memory one (its path NULL), not only its name."""

from __future__ import annotations

import secrets

#: The macros' database (one per DuckDB instance, attached in memory by the first detect).
DATABASE = f"workbench_detect_macros_{secrets.token_hex(8)}"

#: The paths of the catalogue files this process made (detect/_macros.py: the macros made once per process, each
#: instance attaching them read-only), the only files the crafted-file check takes for the catalogue.
FILES: set[str] = set()
