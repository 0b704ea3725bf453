"""Exceptions raised by the workbench: one tree, used the same way everywhere.

The tree::

    WorkbenchError                  base of every error the workbench raises on purpose
    ├── InvalidParameterError       an argument with a value the function cannot use; also a ValueError
    │   └── SimulationError         ... given to the simulator (an unknown agent, a bad fault rate)
    ├── IngestError                 a whole input could not be ingested (unreadable file, I/O, failed commit)
    │   └── FormatError             a file matches none of the known formats, or not the one asked for
    ├── StoreError                  the store cannot be opened or used
    │   ├── StoreLockedError        another process holds DuckDB's single-writer lock
    │   └── ReadOnlyStoreError      a write on a Parquet export or a read-only store
    ├── ReplayError                 a replay could not be carried out or gave no usable outcome
    ├── PolicyError                 a policy cannot be built, loaded or enforced
    └── PolicyViolation             the runtime guard stopped a step (names the rule, the value, the limit)

How they are used:

- A bad *argument* (a value out of range, an unknown name or mode, a run id the store does not
  hold) raises :class:`InvalidParameterError`, whose message names the parameter and the value, so
  ``except ValueError`` works as in any Python library.
- A bad *record* never raises: it goes to the ``quarantine`` table with its file, line and reason.
- A *replay* that raises or times out is evidence of nothing: :func:`workbench.attribute` raises
  :class:`ReplayError` when the recorded or the fully replaced run cannot be replayed, and reports
  the failed coalitions in its result otherwise.
- Anything else that escapes is a bug.
"""

from __future__ import annotations


class WorkbenchError(Exception):
    """Base of every error the workbench raises on purpose."""


class InvalidParameterError(WorkbenchError, ValueError):
    """An argument has a value it cannot use (named, with the value, in the message)."""


class SimulationError(InvalidParameterError):
    """The simulator was given an argument or intervention it cannot use."""


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


class ReplayError(WorkbenchError):
    """A replay could not be carried out, or gave no usable outcome."""


class PolicyError(WorkbenchError):
    """A policy cannot be built, loaded or enforced."""


class PolicyViolation(WorkbenchError):
    """The runtime guard stopped a step: ``rule``, ``value`` and ``limit`` say why."""

    def __init__(
        self,
        message: str,
        rule: str = "",
        value: object = None,
        limit: object = None,
        run_id: str | None = None,
    ) -> None:
        super().__init__(message)
        self.rule, self.value, self.limit, self.run_id = rule, value, limit, run_id
