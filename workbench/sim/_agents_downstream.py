"""The executor's and the verifier's behaviours (the downstream half of the pipeline).

The verifier sees the executor's claims and the backend's order record, never the user's request:
it catches a claimed price or order id that the backend contradicts (and asks once for a redo),
but not a wrong item, quantity or an unconfirmed order that the claims and the record agree on.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from ._agents import bounced, give_up, repeat_last, value
from ._faults import ARGS_ATTEMPTS

if TYPE_CHECKING:
    from ._machine import Machine
    from ._state import State


# -- executor -----------------------------------------------------------------------------------
_EXEC_READS = ("sku", "supplier_id", "quantity", "unit_price")


def executor_plan(m: Machine, st: State) -> None:
    sl = m.slot(st, "executor.plan")
    if bounced(
        m,
        st,
        sl,
        "executor",
        "pricer",
        "executor handed the task back to the pricer although the quote was valid",
        "quote may be stale",
        ("unit_price", "total"),
        "please re-confirm the quote",
    ):
        return
    n_err = st.ctr.get("err:place_order", 0)
    if n_err >= ARGS_ATTEMPTS:
        give_up(m, st, sl, "executor", "place_order", _EXEC_READS)
        return
    fh = m.fire(st, "executor", "hallucination", sl)
    if fh is not None:
        # Claims an order without placing it; the id looks real but the backend never issued it.
        fake = f"PO-{m.ctx.order_base + 50 + 7 * st.fired[fh.fid]:07d}"
        m.note(fh, f"executor reported order {fake} without calling place_order")
        sid = m.llm(
            st,
            sl,
            "executor",
            {"action": "report", "order_id": fake, "status": "confirmed"},
            salient=fake,
            reads=_EXEC_READS,
            fault=fh,
        )
        m.put(st, "order_id", fake, sid, True)
        m.put(st, "order_status", "confirmed", sid, True)
        st.pc = "executor.report"
        return
    fs = m.fire(st, "executor", "silent_failure", sl)
    fa = None if fs is not None else m.fire(st, "executor", "wrong_tool_args", sl)
    args: dict[str, Any] = {
        "sku": value(st, "sku"),
        "supplier_id": value(st, "supplier_id"),
        "quantity": value(st, "quantity"),
        "unit_price": value(st, "unit_price"),
        "confirm": True,
    }
    if fs is not None:
        del args["confirm"]
        m.note(
            fs, "executor placed the order without confirm=true (it stays pending) and reported it confirmed"
        )
    if fa is not None:
        if fa.variant == 0:
            args["quantity"] = f"{args['quantity']} units"
        else:
            args["supplier"] = args.pop("supplier_id")
        m.note(fa, f"executor called place_order with {json.dumps(args, sort_keys=True)}")
    sid = m.llm(
        st,
        sl,
        "executor",
        {"action": "call", "tool": "place_order", "args": args},
        salient="place_order",
        reads=_EXEC_READS,
        fault=fs or fa,
        shift=0.5 * n_err,
    )
    m.call(
        st,
        "executor",
        "place_order",
        args,
        "executor.report",
        "executor.plan",
        sid,
        tainted=fs is not None or m.tainted(st, *_EXEC_READS),
    )


def executor_report(m: Machine, st: State) -> None:
    sl = m.slot(st, "executor.report")
    reads = ("order_id", "order_status", "sku", "supplier_id", "quantity", "unit_price", "total")
    claims = {
        "order_id": value(st, "order_id"),
        "status": "confirmed",
        "sku": value(st, "sku"),
        "supplier_id": value(st, "supplier_id"),
        "quantity": value(st, "quantity"),
        "unit_price": value(st, "unit_price"),
        "total": value(st, "total"),
    }
    sid = m.llm(st, sl, "executor", claims, salient=claims["order_id"], reads=reads)
    m.put(st, "claims", claims, sid, m.tainted(st, *reads))
    m.handoff(st, "verifier", "normal", ("claims", "budget"))


# -- verifier -----------------------------------------------------------------------------------
def _claims(st: State) -> tuple[dict[str, Any], tuple[str, ...]]:
    claims = dict(value(st, "claims"))
    if st.ctr.get("requoted"):
        claims["unit_price"], claims["total"] = value(st, "unit_price"), value(st, "total")
        return claims, ("claims", "unit_price", "total")
    return claims, ("claims",)


def verifier_plan(m: Machine, st: State) -> None:
    sl = m.slot(st, "verifier.plan")
    claims, reads = _claims(st)
    args = {"order_id": claims["order_id"]}
    sid = m.llm(
        st,
        sl,
        "verifier",
        {"action": "call", "tool": "check_order", "args": args},
        salient=claims["order_id"],
        reads=reads,
    )
    m.call(st, "verifier", "check_order", args, "verifier.judge", "verifier.judge", sid)


def verifier_judge(m: Machine, st: State) -> None:
    sl = m.slot(st, "verifier.judge")
    if st.ctr.get("last_tool") == ("verifier", "check_order", "ok"):
        f = m.fire(st, "verifier", "loop", sl)
        if f is not None:
            repeat_last(m, st, sl, "verifier", f, ("order_record",), "verifier.judge")
            return
    claims, reads = _claims(st)
    reads = (*reads, "order_record", "budget")
    rec = value(st, "order_record")
    if rec is None:
        if not st.ctr.get("redo:executor"):
            st.ctr["redo:executor"] = 1
            m.llm(
                st,
                sl,
                "verifier",
                {"verdict": "order_not_found", "action": "handoff", "to": "executor"},
                salient="not_found",
                reads=reads,
            )
            m.handoff(st, "executor", "redo", ("claims",), reason=f"order {claims['order_id']} not found")
        else:
            m.llm(
                st,
                sl,
                "verifier",
                {"verdict": "order_not_found", "action": "abort"},
                salient="abort",
                reads=reads,
            )
            m.abort(st, f"verifier: order {claims['order_id']} not found after a redo")
        return
    wrong = [k for k in ("sku", "supplier_id", "quantity") if claims[k] != rec[k]]
    price_wrong = (
        abs(claims["unit_price"] - rec["unit_price"]) > 0.005 or abs(claims["total"] - rec["total"]) > 0.01
    )
    if wrong or (price_wrong and st.ctr.get("redo:pricer")) or rec["total"] > value(st, "budget"):
        why = (
            f"mismatch in {wrong}"
            if wrong
            else ("price mismatch after a re-quote" if price_wrong else "order total exceeds the budget")
        )
        m.llm(
            st,
            sl,
            "verifier",
            {"verdict": "rejected", "reason": why, "action": "abort"},
            salient="rejected",
            reads=reads,
        )
        m.abort(st, f"verifier: {why}")
    elif price_wrong:
        st.ctr["redo:pricer"] = 1
        st.ctr["requoted"] = True
        m.llm(
            st,
            sl,
            "verifier",
            {
                "verdict": "price_mismatch",
                "claimed": claims["unit_price"],
                "recorded": rec["unit_price"],
                "action": "handoff",
                "to": "pricer",
            },
            salient="price_mismatch",
            reads=reads,
        )
        m.handoff(
            st,
            "pricer",
            "redo",
            ("sku", "supplier_id", "quantity", "budget"),
            reason="claimed unit price differs from the order record",
        )
    else:
        m.llm(st, sl, "verifier", {"verdict": "ok"}, salient="ok", reads=reads)
        st.pc = "verifier.final_answer"


def verifier_final(m: Machine, st: State) -> None:
    sl = m.slot(st, "verifier.final_answer")
    claims, reads = _claims(st)
    rec = value(st, "order_record")
    ans = {
        "status": "success",
        "order_id": claims["order_id"],
        "item": rec["item"],
        "sku": claims["sku"],
        "supplier_id": claims["supplier_id"],
        "supplier": rec["supplier"],
        "quantity": claims["quantity"],
        "unit_price": claims["unit_price"],
        "total": claims["total"],
        # Taken from the executor's claim: the verifier checks line items, not the order status.
        "order_status": claims["status"],
    }
    f = m.fire(st, "verifier", "hallucination", sl)
    if f is not None:
        if f.variant == 0:
            names = sorted(m.ctx.world.suppliers.values())
            ans["supplier"] = names[(names.index(rec["supplier"]) + 3) % len(names)]
            m.note(
                f, f"final answer names supplier {ans['supplier']!r}; the order is with {rec['supplier']!r}"
            )
        else:
            oid = ans["order_id"]
            ans["order_id"] = f"{oid[:-2]}{(int(oid[-2:]) + 37) % 100:02d}"
            m.note(f, f"final answer states order {ans['order_id']}; the order placed is {oid}")
    m.llm(st, sl, "verifier", ans, salient=str(ans["order_id"]), reads=(*reads, "order_record"), fault=f)
    st.final = ans
    st.reported, st.detail, st.pc = "success", f"order {ans['order_id']} placed and verified", "end"
