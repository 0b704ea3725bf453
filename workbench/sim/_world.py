"""The backend the simulated agents work against: catalogue, suppliers, prices, orders.

The world is the source of truth. Agents only ever see what a tool returns, so a value an agent
states can be checked against the record the backend holds (that is how ground truth is judged).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

# Each base product comes in two close variants: the pair is what a retriever confuses when it
# picks a look-alike item (the start of a cascade).
_PRODUCTS = [
    ("hex bolt", ("M6 x 40mm", "M6 x 30mm")),
    ("copy paper", ("A4 80gsm", "A4 100gsm")),
    ("USB-C cable", ("2m", "1m")),
    ("nitrile gloves", ("size M", "size L")),
    ("safety goggles", ("clear", "tinted")),
    ("pallet wrap", ("500mm", "400mm")),
    ("toner cartridge", ("black", "cyan")),
    ("LED panel", ("600x600", "300x1200")),
    ("cable ties", ("200mm", "300mm")),
    ("hand sanitiser", ("500ml", "1l")),
    ("shipping box", ("medium", "large")),
    ("ethernet cable", ("cat6 3m", "cat6 5m")),
    ("work boots", ("size 42", "size 43")),
    ("hi-vis vest", ("size L", "size XL")),
    ("label roll", ("100x150", "100x50")),
    ("duct tape", ("48mm", "72mm")),
    ("AA batteries", ("pack of 24", "pack of 12")),
    ("whiteboard marker", ("black", "blue")),
    ("floor cleaner", ("5l", "1l")),
    ("ear plugs", ("foam", "silicone")),
    ("laptop stand", ("aluminium", "steel")),
    ("padlock", ("40mm", "50mm")),
    ("drill bit set", ("HSS 19pc", "HSS 13pc")),
    ("paper towels", ("2-ply", "3-ply")),
]

_QUANTITIES = (5, 10, 12, 20, 24, 25, 30, 40, 50, 60, 75, 80, 100, 120, 150, 200)

_SUPPLIERS = [
    "Acme Industrial",
    "Borealis Supply",
    "Cobalt Trading",
    "Delta Wholesale",
    "Evergreen Parts",
    "Fulcrum Distribution",
    "Granite Procurement",
    "Harbor Goods",
    "Ironleaf Ltd",
    "Juniper B2B",
]


def choose_supplier(suppliers: list[dict[str, Any]], quantity: int) -> dict[str, Any]:
    """The supplier rule shared by the retriever and the task generator: best rated with enough stock.

    Sharing it is what keeps every fault-free run within budget.
    """
    ok = [s for s in suppliers if s["stock"] >= quantity] or suppliers
    return max(ok, key=lambda s: (s["rating"], s["supplier_id"]))


@dataclass(frozen=True)
class Offer:
    """One supplier's offer for one item."""

    supplier_id: str
    price: float
    stock: int
    rating: float


@dataclass(frozen=True)
class Item:
    """A catalogue item; ``twin`` is the sku of its look-alike variant."""

    sku: str
    name: str
    twin: str
    offers: tuple[Offer, ...]


@dataclass(frozen=True)
class Task:
    """One procurement request: what the user asked for."""

    sku: str
    item: str
    quantity: int
    budget: float
    difficulty: float

    @property
    def text(self) -> str:
        return f"Buy {self.quantity} units of {self.item} for at most ${self.budget:,.2f} in total."


class World:
    """Catalogue, suppliers and the tools' backend logic for one seed.

    Parameters
    ----------
    seed : int
        The catalogue (prices, stock, ratings) is a pure function of the seed.
    """

    def __init__(self, seed: int) -> None:
        rng = np.random.default_rng([seed, 0x5EED])
        self.suppliers = {f"SUP-{i + 1:03d}": name for i, name in enumerate(_SUPPLIERS)}
        sup_ids = list(self.suppliers)
        items: dict[str, Item] = {}
        for p, (base, variants) in enumerate(_PRODUCTS):
            skus = (f"SKU-{p:03d}A", f"SKU-{p:03d}B")
            base_price = float(np.round(np.exp(rng.uniform(np.log(0.8), np.log(120.0))), 2))
            for v, variant in enumerate(variants):
                chosen = rng.choice(len(sup_ids), size=3, replace=False)
                offers = []
                for k, s in enumerate(chosen):
                    factor = rng.uniform(0.85, 1.25) * (1.0 + 0.12 * v)
                    # One supplier always holds enough stock for any task, so a fault-free run succeeds.
                    stock = 5000 if k == 0 else int(rng.integers(20, 400))
                    offers.append(
                        Offer(
                            sup_ids[int(s)],
                            round(max(0.05, base_price * factor), 2),
                            stock,
                            round(float(rng.uniform(3.0, 5.0)), 1),
                        )
                    )
                items[skus[v]] = Item(skus[v], f"{base} {variant}", skus[1 - v], tuple(offers))
        self.items = items
        self.skus = sorted(items)
        self._best: dict[tuple[str, int], Offer] = {}

    # -- the task generator ------------------------------------------------------------------
    def task(self, rng: np.random.Generator) -> Task:
        """Draw one procurement request (feasible by construction); always four draws."""
        sku = self.skus[int(rng.integers(len(self.skus)))]
        qty = _QUANTITIES[int(rng.integers(len(_QUANTITIES)))]
        offer = self.best_offer(sku, qty)
        budget = round(offer.price * qty * float(rng.uniform(1.05, 1.6)), 2)
        return Task(sku, self.items[sku].name, qty, budget, float(rng.uniform()))

    def best_offer(self, sku: str, quantity: int) -> Offer:
        """The offer of the supplier a correct retriever chooses (see :func:`choose_supplier`)."""
        key = (sku, quantity)
        hit = self._best.get(key)
        if hit is None:
            chosen = choose_supplier(self.lookup_supplier(sku), quantity)
            hit = self._best[key] = next(
                o for o in self.items[sku].offers if o.supplier_id == chosen["supplier_id"]
            )
        return hit

    def offer(self, sku: str, supplier_id: str) -> Offer | None:
        item = self.items.get(sku)
        if item is None:
            return None
        for o in item.offers:
            if o.supplier_id == supplier_id:
                return o
        return None

    # -- tool backends: pure functions of (world, args, orders) ---------------------------------
    def search_catalog(self, query: str) -> list[dict[str, str]]:
        head = query.split()[0] if query.split() else ""
        hits = [it for it in self.items.values() if head in it.name.split()]
        base = [it for it in hits if it.name == query] + [it for it in hits if it.name != query]
        return [{"sku": it.sku, "name": it.name} for it in base[:3]]

    def lookup_supplier(self, sku: str) -> list[dict[str, Any]]:
        return [
            {
                "supplier_id": o.supplier_id,
                "name": self.suppliers[o.supplier_id],
                "rating": o.rating,
                "stock": o.stock,
            }
            for o in self.items[sku].offers
        ]

    def get_price(self, sku: str, supplier_id: str) -> dict[str, Any] | None:
        o = self.offer(sku, supplier_id)
        return None if o is None else {"unit_price": o.price, "currency": "USD"}
