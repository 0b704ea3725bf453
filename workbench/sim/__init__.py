"""A seeded, deterministic, fault-injected multi-agent procurement system with ground-truth labels.

>>> import workbench.sim as sim
>>> system = sim.procurement(seed=0, fault_rate=0.3)
>>> runs = list(system.generate(10))          # SimRun objects; run.to_records() gives native records
>>> res = system.replay(runs[0], sim.Intervention(agents={"pricer"}))   # counterfactual outcome
"""

from ..replay import Intervention, ReplayResult
from ._demo import demo_runs, generate_demo
from ._faults import AGENTS, FAULT_KINDS, Fault
from ._procurement import ProcurementSystem, SimRun, procurement
from ._records import write_jsonl

__all__ = [
    "AGENTS",
    "FAULT_KINDS",
    "Fault",
    "Intervention",
    "ProcurementSystem",
    "ReplayResult",
    "SimRun",
    "demo_runs",
    "generate_demo",
    "procurement",
    "write_jsonl",
]
