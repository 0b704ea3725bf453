"""Turn mechanics (root, agent spans, hand-offs) and the upstream agents: planner, retriever, pricer.

Pipeline: planner -> retriever -> pricer -> executor -> verifier. Each agent reads only what it
was handed (partial state): the verifier, for one, sees the executor's claims and the backend's
order record, never the user's request, so it cannot notice a wrong item or quantity that the
claims and the order agree on. Downstream agents never repair an upstream mistake on their own;
the only repairs are the verifier's one redo request and the agents' retry policies, which is what
makes a "recovered" fault recoverable and every other fault decisive.

Every handler emits exactly one step. Faults fire through :meth:`Machine.fire`, at the step
where they show. The executor and verifier live in :mod:`._agents_downstream`; the table from
program counter to handler is :mod:`._phases`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from . import _llm
from ._faults import ARGS_ATTEMPTS, PING_PONG_LIMIT
from ._world import choose_supplier

if TYPE_CHECKING:
    from ._machine import Machine
    from ._state import State

Phase = Callable[["Machine", "State"], None]


def value(st: State, key: str) -> Any:
    return st.bb[key].value


def give_up(
    m: Machine, st: State, sl: tuple[str, int], agent: str, tool: str, reads: tuple[str, ...]
) -> None:
    n = st.ctr.get(f"err:{tool}", 0)
    m.llm(
        st,
        sl,
        agent,
        {"action": "give_up", "reason": f"{tool} failed {n} times"},
        salient="give_up",
        reads=reads,
        shift=0.8,
    )
    m.abort(st, f"{agent} gave up: {tool} failed {n} times")


def bounced(
    m: Machine,
    st: State,
    sl: tuple[str, int],
    agent: str,
    to: str,
    note: str,
    says: str,
    reads: tuple[str, ...],
    asks: str,
) -> bool:
    """On the agent's first model turn of a normal pass, a planted ping_pong fault hands the task back to ``to``
    (the model ``says`` why, the hand-off ``asks`` for ``reads`` again): True when it did."""
    if st.ctr.get("mode") != "normal" or st.ctr.get("turn_llm", 0) != 0:
        return False
    f = m.fire(st, agent, "ping_pong", sl)
    if f is None:
        return False
    st.ctr[f"bounces:{agent}"] = st.ctr.get(f"bounces:{agent}", 0) + 1
    m.note(f, note)
    m.llm(st, sl, agent, {"action": "handoff", "to": to, "reason": says}, salient=to, reads=reads, fault=f)
    m.handoff(st, to, "bounce", reads, reason=asks)
    return True


def repeat_last(
    m: Machine, st: State, sl: tuple[str, int], agent: str, f: Any, reads: tuple[str, ...], nxt: str
) -> None:
    """A looping agent issues the call it just made again, unchanged."""
    _, tool, args_json = st.ctr["last_call"]
    args = json.loads(args_json)
    m.note(f, f"{agent} re-issued {tool} with identical arguments instead of using the result")
    sid = m.llm(
        st,
        sl,
        agent,
        {"action": "call", "tool": tool, "args": args, "thought": "the result may be stale; check again"},
        salient=tool,
        reads=reads,
        fault=f,
    )
    m.call(st, agent, tool, args, nxt, nxt, sid)


# -- system and turn mechanics ------------------------------------------------------------------
def start(m: Machine, st: State) -> None:
    sl = m.slot(st, "procurement.run")
    m.emit(st, "system", sl, None, 0, 0, input={"task": m.ctx.task.text})
    st.pc = "planner.open"


_FIRST = {
    "planner": lambda mode: "planner.parse_task",
    "retriever": lambda mode: "retriever.reply" if mode == "bounce" else "retriever.plan_search",
    "pricer": lambda mode: "pricer.reply" if mode == "bounce" else "pricer.plan",
    "executor": lambda mode: "executor.plan",
    "verifier": lambda mode: "verifier.plan",
}


def opener(agent: str) -> Phase:
    def open_turn(m: Machine, st: State) -> None:
        sl = m.slot(st, agent)
        _, u = m.ctx.noise.slot(*sl)
        attrs = {"implementation": "rules-baseline"} if m.baseline(agent, sl) else None
        sid = m.emit(st, "agent", sl, agent, 0, _llm.gap_us(u), parent="s0000", name=agent, attributes=attrs)
        if st.handoff_from is not None and m.record:
            m.edges.append(
                {
                    "record": "edge",
                    "run_id": m.ctx.run_id,
                    "src_step": st.handoff_from,
                    "dst_step": sid,
                    "kind": "handoff",
                }
            )
        st.span, st.agent, st.handoff_from = sid, agent, None
        st.ctr.update(last_call=None, same=0, last_tool=None, turn_llm=0)
        st.pc = _FIRST[agent](st.ctr.get("mode", "normal"))

    return open_turn


def handoff(m: Machine, st: State) -> None:
    sender, to, mode = st.agent, st.ctr["to"], st.ctr["to_mode"]
    sl = m.slot(st, "handoff")
    _, u = m.ctx.noise.slot(*sl)
    payload = {k: st.bb[k].value for k in st.ctr["payload"] if k in st.bb}
    if st.ctr["reason"]:
        payload["reason"] = st.ctr["reason"]
    dur = int((2 + 8 * u[6]) * 1000)
    n = st.ctr.get(f"bounces:{sender}", 0)
    if mode == "bounce" and n >= PING_PONG_LIMIT:
        err = f"orchestrator: {sender} and {to} handed the task back and forth {n} times; halted"
        m.emit(
            st,
            "handoff",
            sl,
            sender,
            dur,
            _llm.gap_us(u),
            name="handoff",
            input={"from": sender, "to": to},
            output=payload,
            status="error",
            error=err,
        )
        m.abort(st, err)
        return
    sid = m.emit(
        st,
        "handoff",
        sl,
        sender,
        dur,
        _llm.gap_us(u),
        name="handoff",
        input={"from": sender, "to": to},
        output=payload,
    )
    m.close_span(st)
    st.handoff_from, st.ctr["mode"], st.pc = sid, mode, f"{to}.open"


# -- planner ------------------------------------------------------------------------------------
def planner_parse(m: Machine, st: State) -> None:
    sl = m.slot(st, "planner.parse_task")
    task = m.ctx.task
    f = m.fire(st, "planner", "cascade", sl)
    q = task.quantity
    if f is not None:
        q = q * 10 if f.variant == 0 else (q // 10 if q >= 20 else q + 10)
        m.note(f, f"planner read quantity {q} from a request for {task.quantity}")
    out = {"item_query": task.item, "quantity": q, "budget": task.budget}
    sid = m.llm(st, sl, "planner", out, salient=str(q), fault=f, inp={"task": task.text})
    m.put(st, "item_query", task.item, sid)
    m.put(st, "quantity", q, sid, f is not None)
    m.put(st, "budget", task.budget, sid)
    m.handoff(st, "retriever", "normal", ("item_query", "quantity", "budget"))


# -- retriever ----------------------------------------------------------------------------------
def retriever_plan_search(m: Machine, st: State) -> None:
    sl = m.slot(st, "retriever.plan_search")
    args = {"query": value(st, "item_query")}
    sid = m.llm(
        st,
        sl,
        "retriever",
        {"action": "call", "tool": "search_catalog", "args": args},
        salient=args["query"],
        reads=("item_query",),
    )
    m.call(st, "retriever", "search_catalog", args, "retriever.select_item", "retriever.select_item", sid)


def retriever_select(m: Machine, st: State) -> None:
    sl = m.slot(st, "retriever.select_item")
    if st.ctr.get("last_tool") == ("retriever", "search_catalog", "ok") and "sku" not in st.bb:
        f = m.fire(st, "retriever", "loop", sl)
        if f is not None:
            repeat_last(m, st, sl, "retriever", f, ("search_results",), "retriever.select_item")
            return
    fc = None
    new_sku = None
    if "sku" not in st.bb:
        hits = value(st, "search_results")
        query = value(st, "item_query")
        exact = next((h for h in hits if h["name"] == query), hits[0])
        new_sku = exact["sku"]
        fc = m.fire(st, "retriever", "cascade", sl)
        if fc is not None:
            new_sku = m.ctx.world.items[exact["sku"]].twin
            m.note(
                fc,
                f"retriever picked look-alike {new_sku} ({m.ctx.world.items[new_sku].name}) "
                f"instead of {exact['sku']}",
            )
    sku = new_sku if new_sku is not None else value(st, "sku")
    n_err = st.ctr.get("err:lookup_supplier", 0)
    if n_err >= ARGS_ATTEMPTS:
        give_up(m, st, sl, "retriever", "lookup_supplier", ("sku",))
        return
    fa = m.fire(st, "retriever", "wrong_tool_args", sl)
    args: dict[str, Any] = {"sku": sku}
    if fa is not None:
        args = (
            {"item_name": m.ctx.world.items[sku].name}
            if fa.variant == 0
            else {"sku": sku, "qty": value(st, "quantity")}
        )
        m.note(fa, f"retriever called lookup_supplier with {sorted(args)}")
    sid = m.llm(
        st,
        sl,
        "retriever",
        {"action": "call", "tool": "lookup_supplier", "args": args, "sku": sku},
        salient=sku,
        reads=("search_results", "item_query"),
        fault=fa or fc,
        shift=0.5 * n_err,
    )
    if new_sku is not None:
        m.put(st, "sku", new_sku, sid, fc is not None)
    m.call(
        st,
        "retriever",
        "lookup_supplier",
        args,
        "retriever.choose_supplier",
        "retriever.select_item",
        sid,
        tainted=m.tainted(st, "sku"),
    )


def retriever_choose(m: Machine, st: State) -> None:
    sl = m.slot(st, "retriever.choose_supplier")
    best = choose_supplier(value(st, "suppliers"), value(st, "quantity"))
    out = {"supplier_id": best["supplier_id"], "supplier": best["name"], "action": "handoff", "to": "pricer"}
    sid = m.llm(st, sl, "retriever", out, salient=best["supplier_id"], reads=("suppliers", "quantity"))
    m.put(st, "supplier_id", best["supplier_id"], sid, m.tainted(st, "suppliers", "quantity"))
    m.handoff(st, "pricer", "normal", ("sku", "supplier_id", "quantity", "budget"))


def retriever_reply(m: Machine, st: State) -> None:
    sl = m.slot(st, "retriever.reply")
    m.llm(
        st,
        sl,
        "retriever",
        {"action": "handoff", "to": "pricer", "note": "sku and supplier are as sent"},
        salient=value(st, "sku"),
        reads=("sku", "supplier_id"),
    )
    m.handoff(st, "pricer", "normal", ("sku", "supplier_id", "quantity", "budget"))


# -- pricer -------------------------------------------------------------------------------------
def pricer_plan(m: Machine, st: State) -> None:
    sl = m.slot(st, "pricer.plan")
    if bounced(
        m,
        st,
        sl,
        "pricer",
        "retriever",
        "pricer handed the task back to the retriever although sku and supplier were set",
        "supplier unclear",
        ("sku", "supplier_id"),
        "please confirm sku and supplier",
    ):
        return
    n_err = st.ctr.get("err:get_price", 0)
    if n_err >= ARGS_ATTEMPTS:
        give_up(m, st, sl, "pricer", "get_price", ("sku", "supplier_id"))
        return
    sku, sup = value(st, "sku"), value(st, "supplier_id")
    fa = m.fire(st, "pricer", "wrong_tool_args", sl)
    args: dict[str, Any] = {"sku": sku, "supplier_id": sup}
    if fa is not None:
        args = {"sku": sku, "supplier": sup} if fa.variant == 0 else {"item": sku, "supplier_id": sup}
        m.note(fa, f"pricer called get_price with {sorted(args)}")
    sid = m.llm(
        st,
        sl,
        "pricer",
        {"action": "call", "tool": "get_price", "args": args},
        salient="get_price",
        reads=("sku", "supplier_id"),
        fault=fa,
        shift=0.5 * n_err,
    )
    m.call(
        st,
        "pricer",
        "get_price",
        args,
        "pricer.quote",
        "pricer.plan",
        sid,
        tainted=m.tainted(st, "sku", "supplier_id"),
    )


def pricer_quote(m: Machine, st: State) -> None:
    sl = m.slot(st, "pricer.quote")
    if st.ctr.get("last_tool") == ("pricer", "get_price", "ok"):
        f = m.fire(st, "pricer", "loop", sl)
        if f is not None:
            repeat_last(m, st, sl, "pricer", f, ("listed_price",), "pricer.quote")
            return
    listed, qty, budget = value(st, "listed_price"), value(st, "quantity"), value(st, "budget")
    fh = m.fire(st, "pricer", "hallucination", sl)
    fd = None if fh is not None else m.fire(st, "pricer", "drift", sl)
    unit = listed
    if fh is not None:
        unit = round(listed * (1.0 - fh.magnitude), 2)
    elif fd is not None:
        unit = round(listed * (1.0 - fd.magnitude if fd.variant == 0 else 1.0 + fd.magnitude), 2)
    if (fh or fd) is not None:
        if abs(unit - listed) < 0.01:
            unit = round(listed + 0.01, 2)
        why = "hallucinated" if fh is not None else f"{m.ctx.models['pricer']} misread"
        m.note(fh or fd, f"pricer quoted {unit:.2f} ({why}); get_price returned {listed:.2f}")
    total = round(unit * qty, 2)
    reads = ("listed_price", "quantity", "budget")
    if total > budget:
        m.llm(
            st,
            sl,
            "pricer",
            {"action": "abort", "reason": f"total {total:.2f} exceeds budget {budget:.2f}"},
            salient=f"{total:.2f}",
            reads=reads,
            fault=fh or fd,
        )
        m.abort(st, f"pricer: total {total:.2f} exceeds the budget {budget:.2f}")
        return
    sid = m.llm(
        st,
        sl,
        "pricer",
        {"unit_price": unit, "total": total, "currency": "USD"},
        salient=f"{unit:.2f}",
        reads=reads,
        fault=fh or fd,
    )
    bad = (fh or fd) is not None or m.tainted(st, *reads)
    m.put(st, "unit_price", unit, sid, bad)
    m.put(st, "total", total, sid, bad)
    if st.ctr.get("mode") == "redo":
        m.handoff(st, "verifier", "normal", ("unit_price", "total"))
    else:
        m.handoff(st, "executor", "normal", ("sku", "supplier_id", "quantity", "unit_price", "total"))


def pricer_reply(m: Machine, st: State) -> None:
    sl = m.slot(st, "pricer.reply")
    m.llm(
        st,
        sl,
        "pricer",
        {"action": "handoff", "to": "executor", "note": "the quote is current"},
        salient=f"{value(st, 'unit_price'):.2f}",
        reads=("unit_price", "total"),
    )
    m.handoff(st, "executor", "normal", ("sku", "supplier_id", "quantity", "unit_price", "total"))


def run_tool(m: Machine, st: State) -> None:
    m.run_tool(st)
