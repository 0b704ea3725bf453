"""Exceptions raised by the workbench.

The tree::

    WorkbenchError
    ├── IngestError          a whole input could not be ingested (unreadable file, I/O)
    │   └── FormatError      a file matches none of the known formats, or not the one asked for
    ├── StoreError           the store cannot be opened or used
    │   ├── StoreLockedError another process holds DuckDB's single-writer lock
    │   └── ReadOnlyStoreError  a write on a Parquet export or a read-only store
    ├── SimulationError      a bad simulator argument or intervention
    ├── ReplayError          a replay could not be carried out
    ├── PolicyError          a policy file or document that does not match the policy schema
    ├── PolicyViolation      the runtime guard stopped a step (names the rule, the value and the limit)
    └── InvalidParameterError  an estimator parameter with a value it cannot use (also a ValueError)

Bad *records* never raise: they go to the ``quarantine`` table.
"""

from __future__ import annotations


class WorkbenchError(Exception):
    """Base of every error the workbench raises on purpose."""


class IngestError(WorkbenchError):
    """An input as a whole could not be ingested."""


class FormatError(IngestError):
    """A file is in none of the known formats (or not in the one requested)."""


class StoreError(WorkbenchError):
    """The store cannot be opened or used."""


class StoreLockedError(StoreError):
    """Another process holds the write lock on a DuckDB file."""


class ReadOnlyStoreError(StoreError):
    """A write was attempted on a read-only store (for example a Parquet export)."""


class SimulationError(WorkbenchError):
    """A simulator was given an argument it cannot use."""


class ReplayError(WorkbenchError):
    """A replay could not be carried out."""


class InvalidParameterError(WorkbenchError, ValueError):
    """An estimator parameter has a value it cannot use (named, with the value, in the message)."""


class PolicyError(WorkbenchError, ValueError):
    """A policy document does not match the schema (the message names the field path)."""


class PolicyViolation(WorkbenchError):
    """The runtime guard stopped a step: ``rule``, ``value`` and ``limit`` say why."""

    def __init__(self, message: str, rule: str = "", value: object = None, limit: object = None,
                 run_id: str | None = None) -> None:
        super().__init__(message)
        self.rule, self.value, self.limit, self.run_id = rule, value, limit, run_id
