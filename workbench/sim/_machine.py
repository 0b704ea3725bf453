"""The run interpreter: a state machine that executes one step per transition.

Each transition emits exactly one step, so the snapshot taken before a transition is the state
"just before step ``seq``", and a replay can resume there. The agents' own decisions live in
:mod:`._agents`; this module has the mechanics they share: slots, fault firing, step emission,
tool execution with retries, hand-offs and agent spans.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from . import _llm
from ._faults import LOOP_LIMIT, MAX_ATTEMPTS, Fault
from ._state import State, Value
from ._timefmt import iso
from ._world import Task, World

BASELINE_MODEL = "rules-baseline"
MAX_STEPS = 400

# How much a fault firing at a step shrinks that step's logit gap (lower confidence, higher
# entropy). Env faults (rate limits, timeouts) strike tools, which have no log-probabilities.
FIRE_SHIFT = {
    "hallucination": 1.1,
    "cascade": 0.9,
    "drift": 1.0,
    "silent_failure": 0.7,
    "wrong_tool_args": 0.8,
    "loop": 0.6,
    "ping_pong": 0.6,
}

_TOOL_MS = {
    "search_catalog": 140.0,
    "lookup_supplier": 95.0,
    "get_price": 60.0,
    "place_order": 320.0,
    "check_order": 85.0,
}
_SCHEMAS: dict[str, dict[str, tuple[type, ...]]] = {
    "search_catalog": {"query": (str,)},
    "lookup_supplier": {"sku": (str,)},
    "get_price": {"sku": (str,), "supplier_id": (str,)},
    "place_order": {
        "sku": (str,),
        "supplier_id": (str,),
        "quantity": (int,),
        "unit_price": (int, float),
        "confirm": (bool,),
    },
    "check_order": {"order_id": (str,)},
}
_OPTIONAL = {"confirm"}


@dataclass(frozen=True)
class Cover:
    """The units an intervention replaces: agents, and slots of intervened steps."""

    mode: str
    agents: frozenset[str]
    slots: frozenset[tuple[str, int]]


@dataclass
class RunContext:
    """What a run needs besides its state: identity, world, task, noise, model versions."""

    run_id: str
    seed: int
    index: int
    world: World
    task: Task
    noise: _llm.Noise
    models: dict[str, str]
    t0: int
    order_base: int


def schema_error(tool: str, args: dict[str, Any]) -> str | None:
    schema = _SCHEMAS[tool]
    for key in args:
        if key not in schema:
            return f"422 Unprocessable Entity: unexpected argument {key!r} for {tool}"
    for key, types in schema.items():
        if key not in args:
            if key in _OPTIONAL:
                continue
            return f"422 Unprocessable Entity: missing required argument {key!r} for {tool}"
        val = args[key]
        if not isinstance(val, types) or (isinstance(val, bool) and bool not in types):
            return f"422 Unprocessable Entity: {key!r} must be {types[0].__name__}, got {val!r}"
    return None


class Machine:
    """Executes a run from a state; records steps when ``record`` is true."""

    def __init__(
        self, ctx: RunContext, faults: tuple[Fault, ...], cover: Cover | None = None, record: bool = True
    ) -> None:
        self.ctx = ctx
        self.faults = {f.agent: f for f in faults}
        self.cover = cover
        self.record = record
        self.steps: list[dict[str, Any]] = []
        self.edges: list[dict[str, Any]] = []
        self.fired_at: dict[int, str] = {}
        self.step_fires: dict[str, list[int]] = {}
        self.meta: list[tuple[str | None, tuple[str, int]]] = []
        self.desc: dict[int, str] = {}
        self.executed = 0
        self._spans: dict[str, dict[str, Any]] = {}

    # -- driving ----------------------------------------------------------------------------
    def run(self, st: State, snapshots: list[State] | None = None) -> State:
        from ._phases import PHASES

        while st.pc != "end":
            if st.seq >= MAX_STEPS:
                self.abort(st, "step budget exhausted")
                break
            if snapshots is not None:
                snapshots.append(st.copy())
            PHASES[st.pc](self, st)
        self.close_span(st)
        root = self._spans.get("s0000")
        if root is not None and "_start" in root:
            root["ended_at"] = iso(st.t)
            root["latency_ms"] = (st.t - root.pop("_start")) / 1000.0
            if st.reported != "success":
                root["status"], root["error"] = "error", st.detail
        return st

    # -- slots, coverage, faults --------------------------------------------------------------
    @staticmethod
    def slot(st: State, name: str) -> tuple[str, int]:
        return name, st.occ.get(name, 0)

    def covered(self, agent: str, sl: tuple[str, int]) -> bool:
        c = self.cover
        return c is not None and (agent in c.agents or sl in c.slots)

    def baseline(self, agent: str, sl: tuple[str, int]) -> bool:
        return self.cover is not None and self.cover.mode == "baseline" and self.covered(agent, sl)

    def fire(self, st: State, agent: str, kind: str, sl: tuple[str, int]) -> Fault | None:
        """Whether ``agent``'s fault of ``kind`` strikes the step about to be emitted.

        A covered (repaired or baselined) unit breaks the fault's chain for good, so a later
        repetition of a loop, a bounce or a redo does not bring it back.
        """
        f = self.faults.get(agent)
        if f is None or f.kind != kind or st.done.get(f.fid):
            return None
        if st.fired.get(f.fid, 0) >= f.max_fires or self.covered(agent, sl):
            st.done[f.fid] = True
            return None
        st.fired[f.fid] = st.fired.get(f.fid, 0) + 1
        sid = f"s{st.seq:04d}"
        self.fired_at.setdefault(f.fid, sid)
        self.step_fires.setdefault(sid, []).append(f.fid)
        return f

    def note(self, f: Fault | None, text: str) -> None:
        if f is not None:
            self.desc.setdefault(f.fid, text)

    # -- emission -----------------------------------------------------------------------------
    def emit(
        self,
        st: State,
        kind: str,
        sl: tuple[str, int],
        agent: str | None,
        dur: int,
        gap: int,
        reads: Sequence[str] = (),
        parent: str | None = None,
        **fields: Any,
    ) -> str:
        sid = f"s{st.seq:04d}"
        start = st.t + gap
        end = start + dur
        st.t = end
        st.seq += 1
        st.occ[sl[0]] = sl[1] + 1
        self.executed += 1
        self.meta.append((agent, sl))
        if self.record:
            rec: dict[str, Any] = {
                "record": "step",
                "run_id": self.ctx.run_id,
                "step_id": sid,
                "seq": st.seq - 1,
                "parent_id": parent if parent is not None else st.span,
                "agent": agent,
                "kind": kind,
                "name": fields.pop("name", sl[0]),
                "started_at": iso(start),
                "ended_at": iso(end),
                "latency_ms": dur / 1000.0,
                "status": fields.pop("status", "ok"),
            }
            rec.update((k, v) for k, v in fields.items() if v is not None)
            self.steps.append(rec)
            if kind in ("agent", "system"):
                rec["_start"] = start  # until the span closes and its end is known
                self._spans[sid] = rec
            for src in dict.fromkeys(reads):
                if src != sid:
                    self.edges.append(
                        {
                            "record": "edge",
                            "run_id": self.ctx.run_id,
                            "src_step": src,
                            "dst_step": sid,
                            "kind": "consumes",
                        }
                    )
        return sid

    def llm(
        self,
        st: State,
        sl: tuple[str, int],
        agent: str,
        out: dict[str, Any],
        *,
        salient: str,
        reads: tuple[str, ...] = (),
        fault: Fault | None = None,
        shift: float = 0.0,
        inp: dict[str, Any] | None = None,
    ) -> str:
        """Emit one LLM call of ``agent`` whose output is ``out``.

        ``reads`` are the blackboard keys the call consumed (they become ``consumes`` edges and the
        call's input); ``shift`` lowers the call's confidence (e.g. a retry after an error).
        """
        z, u = self.ctx.noise.slot(*sl)
        vals = [st.bb[k] for k in reads if k in st.bb]
        st.ctr["turn_llm"] = st.ctr.get("turn_llm", 0) + 1
        if inp is None:
            inp = {k: st.bb[k].value for k in reads if k in st.bb}
        if self.baseline(agent, sl):
            # The baseline is a rule-based implementation: always right, slow, billed per call.
            return self.emit(
                st,
                "llm",
                sl,
                agent,
                int((4000 + 5000 * u[7]) * 1000),
                _llm.gap_us(u),
                [v.src for v in vals],
                model=BASELINE_MODEL,
                cost=0.02,
                input=inp,
                output=out,
            )
        model = self.ctx.models[agent]
        v2 = model.endswith("-v2")
        gap = (
            _llm.AGENT_GAP[agent]
            - 0.9 * self.ctx.task.difficulty
            + 0.8 * z[0]
            - shift
            - (FIRE_SHIFT[fault.kind] if fault is not None else 0.0)
            - (0.4 if any(v.tainted for v in vals) else 0.0)
            - (0.6 if v2 else 0.0)
        )
        t_in, t_out = _llm.token_counts(st.seq, z, u)
        dur = _llm.llm_timing(t_out, z, 1.6 if v2 else 1.0)
        lp = _llm.logprobs(salient, gap, z, u) if self.record else None
        price = _llm.MODEL_PRICE["v2" if v2 else "v1"]
        return self.emit(
            st,
            "llm",
            sl,
            agent,
            dur,
            _llm.gap_us(u),
            [v.src for v in vals],
            model=model,
            input=inp,
            output=out,
            tokens_in=t_in,
            tokens_out=t_out,
            cost=_llm.cost(price, t_in, t_out),
            logprobs=lp,
        )

    def put(self, st: State, key: str, value: Any, src: str, tainted: bool = False) -> None:
        st.bb[key] = Value(value, src, tainted)

    def tainted(self, st: State, *keys: str) -> bool:
        return any(st.bb[k].tainted for k in keys if k in st.bb)

    def abort(self, st: State, detail: str) -> None:
        st.reported, st.detail, st.pc = "failure", detail, "end"

    # -- tools --------------------------------------------------------------------------------
    def call(
        self,
        st: State,
        agent: str,
        tool: str,
        args: dict[str, Any],
        nxt: str,
        err: str,
        caller: str,
        tainted: bool = False,
    ) -> None:
        """Queue a tool call; the orchestrator halts an agent that repeats the same call too often."""
        key = (agent, tool, json.dumps(args, sort_keys=True))
        same = st.ctr.get("same", 0) + 1 if st.ctr.get("last_call") == key else 1
        st.ctr["last_call"], st.ctr["same"] = key, same
        if same >= LOOP_LIMIT:
            self.abort(st, f"orchestrator halted {agent}: {tool} called {same} times with the same arguments")
            return
        st.pending = {
            "agent": agent,
            "tool": tool,
            "args": args,
            "next": nxt,
            "err": err,
            "caller": caller,
            "tainted": tainted,
        }
        st.pc = "tool"

    def run_tool(self, st: State) -> None:
        p = st.pending
        agent, tool, args = p["agent"], p["tool"], p["args"]
        sl = self.slot(st, f"{agent}:{tool}")
        z, u = self.ctx.noise.slot(*sl)
        reads = [p["caller"]]
        f = self.faults.get(agent)
        env = None
        if f is not None and f.kind in MAX_ATTEMPTS and f.tool == tool:
            env = self.fire(st, agent, f.kind, sl)
        slow = 3.0 if self.baseline(agent, sl) else 1.0
        if env is not None:
            attempt = st.ctr.get("attempt", 0) + 1
            if env.kind == "rate_limit":
                dur = int((25 + 30 * u[6]) * 1000)
                error, backoff = "429 Too Many Requests: rate limit exceeded", 1_000_000 * 2 ** (attempt - 1)
            else:
                dur = int((30_000 + 40 * u[6]) * 1000)
                error, backoff = f"Timeout: {tool} did not answer within 30.0 s", 2_000_000
            what = "HTTP 429 (rate limited)" if env.kind == "rate_limit" else "a 30 s timeout"
            self.note(env, f"{tool} failed {env.n} time(s) in a row with {what}")
            self.emit(
                st,
                "tool",
                sl,
                agent,
                dur,
                _llm.gap_us(u),
                reads,
                tool=tool,
                name=tool,
                input=args,
                status="error",
                error=error,
                attributes={"attempt": attempt},
            )
            if attempt >= MAX_ATTEMPTS[env.kind]:
                st.ctr["attempt"] = 0
                self.abort(st, f"{tool}: {env.kind.replace('_', ' ')}, {attempt} attempts failed")
            else:
                st.ctr["attempt"] = attempt
                st.t += backoff + int(u[5] * 250_000)
            return
        attempt = st.ctr.get("attempt", 0) + 1
        st.ctr["attempt"] = 0
        error = schema_error(tool, args)
        writes: dict[str, Any] = {}
        output: Any = None
        if error is None:
            output, error, writes = self._backend(st, tool, args)
        dur = int(_llm.tool_timing(_TOOL_MS[tool], z) * slow)
        sid = self.emit(
            st,
            "tool",
            sl,
            agent,
            dur,
            _llm.gap_us(u),
            reads,
            tool=tool,
            name=tool,
            input=args,
            output=output,
            status="error" if error else "ok",
            error=error,
            attributes={"attempt": attempt} if attempt > 1 else None,
        )
        for key, val in writes.items():
            self.put(st, key, val, sid, p["tainted"])
        st.ctr["last_tool"] = (agent, tool, "error" if error else "ok")
        if error:
            st.ctr[f"err:{tool}"] = st.ctr.get(f"err:{tool}", 0) + 1
        st.pending = None
        st.pc = p["err"] if error else p["next"]

    def _backend(self, st: State, tool: str, args: dict[str, Any]) -> tuple[Any, str | None, dict[str, Any]]:
        w = self.ctx.world
        if tool == "search_catalog":
            hits = w.search_catalog(args["query"])
            return hits, None, {"search_results": hits}
        if tool == "lookup_supplier":
            if args["sku"] not in w.items:
                return None, f"404 Not Found: no item {args['sku']}", {}
            sups = w.lookup_supplier(args["sku"])
            return sups, None, {"suppliers": sups}
        if tool == "get_price":
            price = w.get_price(args["sku"], args["supplier_id"])
            if price is None:
                return None, f"404 Not Found: {args['supplier_id']} does not sell {args['sku']}", {}
            return price, None, {"listed_price": price["unit_price"]}
        if tool == "place_order":
            offer = w.offer(args["sku"], args["supplier_id"])
            if offer is None:
                return None, f"404 Not Found: {args['supplier_id']} does not sell {args['sku']}", {}
            if args["quantity"] > offer.stock or args["quantity"] <= 0:
                return None, f"409 Conflict: {args['supplier_id']} cannot supply {args['quantity']} units", {}
            oid = f"PO-{self.ctx.order_base + len(st.orders):07d}"
            status = "confirmed" if args.get("confirm") is True else "pending"
            item = w.items[args["sku"]]
            st.orders[oid] = {
                "order_id": oid,
                "sku": item.sku,
                "item": item.name,
                "supplier_id": offer.supplier_id,
                "supplier": w.suppliers[offer.supplier_id],
                "quantity": args["quantity"],
                "unit_price": offer.price,
                "total": round(offer.price * args["quantity"], 2),
                "status": status,
            }
            out = {"order_id": oid, "status": status}
            return out, None, {"order_id": oid, "order_status": status}
        # check_order
        rec = st.orders.get(args["order_id"])
        if rec is None:
            return None, f"404 Not Found: no order {args['order_id']}", {"order_record": None}
        return rec, None, {"order_record": rec}

    # -- turns --------------------------------------------------------------------------------
    def handoff(
        self, st: State, to: str, mode: str, keys: tuple[str, ...], reason: str | None = None
    ) -> None:
        st.ctr["to"], st.ctr["to_mode"], st.ctr["payload"], st.ctr["reason"] = to, mode, keys, reason
        st.pc = "handoff"

    def close_span(self, st: State) -> None:
        rec = self._spans.get(st.span) if st.span is not None else None
        if rec is not None and "_start" in rec:
            rec["ended_at"] = iso(st.t)
            start = rec.pop("_start")
            rec["latency_ms"] = (st.t - start) / 1000.0
        st.span = None
