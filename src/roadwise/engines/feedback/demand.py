"""Demand per item and theme: who asked, how much revenue stands behind it, how sure we are.

Vote counting lets fifty small customers outweigh one that pays more than all of them. Roadwise
counts *distinct customers* (reach) and the *annual revenue* of those customers
(revenue-weighted demand), with a break-down by segment.

The interval comes from a customer-level bootstrap: the customers who gave feedback are a
sample of the customer base, so they are resampled with replacement (vectorised: one
multinomial count matrix for all replicates) and the demand of every item recomputed in each
replicate. The 5th and 95th percentiles bound the 90 % interval. Anonymous feedback counts as
mentions, but carries no customer and no revenue.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from roadwise.domain import Customer, Feedback, Range, Workspace, ancestry


@dataclass(frozen=True)
class Demand:
    """Demand for one item or theme."""

    key: str
    mentions: int
    customers: tuple[str, ...]
    revenue: float
    revenue_interval: tuple[float, float]
    customers_interval: tuple[float, float]
    segments: Mapping[str, float]
    share_of_revenue: float

    @property
    def reach(self) -> int:
        return len(self.customers)

    def revenue_range(self) -> Range:
        low, high = self.revenue_interval
        return Range(low=min(low, self.revenue), likely=self.revenue, high=max(high, self.revenue))

    def reach_range(self) -> Range:
        low, high = self.customers_interval
        count = float(self.reach)
        return Range(low=min(low, count), likely=count, high=max(high, count))


def compute_demand(
    groups: Mapping[str, Sequence[str]],
    feedback: Sequence[Feedback],
    customers: Sequence[Customer],
    *,
    samples: int = 2000,
    level: float = 0.9,
    seed: int = 0,
) -> dict[str, Demand]:
    """Demand for each group (an item or theme key mapped to the feedback keys about it)."""
    by_key = {f.key: f for f in feedback}
    members = {key: [by_key[k] for k in groups[key] if k in by_key] for key in groups}
    return demand_from_asks(
        {f.customer for f in feedback if f.customer},
        {key: {f.customer for f in found if f.customer} for key, found in members.items()},
        {key: len(found) for key, found in members.items()},
        customers,
        samples=samples,
        level=level,
        seed=seed,
    )


def demand_from_asks(
    voices: Iterable[str],
    asks: Mapping[str, Iterable[str]],
    mentions: Mapping[str, int],
    customers: Sequence[Customer],
    *,
    samples: int = 2000,
    level: float = 0.9,
    seed: int = 0,
) -> dict[str, Demand]:
    """Demand for each key of ``asks`` (the customers who asked for it), with ``mentions``
    texts about it; ``voices`` are every customer who gave feedback at all, whom the bootstrap
    resamples. Only customers of the workspace count; the others are ignored.

    This is all :func:`compute_demand` needs, so a stream too large to keep (``feedback batch``)
    gets the same figures from running sets of customers.
    """
    customer_by_key = {c.key: c for c in customers}
    voices = sorted({c for c in voices if c in customer_by_key})
    voice_index = {c: i for i, c in enumerate(voices)}
    revenue = np.array([customer_by_key[c].annual_revenue for c in voices], dtype=float)
    total_revenue = float(revenue.sum())
    keys = list(asks)
    asked = np.zeros((len(voices), len(keys)))
    for col, key in enumerate(keys):
        for c in asks[key]:
            if c in voice_index:
                asked[voice_index[c], col] = 1.0
    weighted = asked * revenue[:, None]
    point_revenue = weighted.sum(axis=0)
    point_reach = asked.sum(axis=0)

    tail = (1 - level) / 2 * 100
    revenue_bounds = np.zeros((2, len(keys)))
    reach_bounds = np.zeros((2, len(keys)))
    if voices and keys:
        rng = np.random.default_rng(seed)
        boot_revenue: list[np.ndarray] = []
        boot_reach: list[np.ndarray] = []
        # Replicates in blocks keep the count matrix small for large customer bases.
        block = max(1, min(samples, 4_000_000 // max(len(voices), 1)))
        for start in range(0, samples, block):
            draws = rng.multinomial(
                len(voices), np.full(len(voices), 1 / len(voices)), size=min(block, samples - start)
            ).astype(float)
            boot_revenue.append(draws @ weighted)
            boot_reach.append(draws @ asked)
        revenue_bounds = np.percentile(np.vstack(boot_revenue), [tail, 100 - tail], axis=0)
        reach_bounds = np.percentile(np.vstack(boot_reach), [tail, 100 - tail], axis=0)

    result: dict[str, Demand] = {}
    for col, key in enumerate(keys):
        who = [voices[i] for i in np.flatnonzero(asked[:, col])]
        segments: dict[str, float] = {}
        for c in who:
            segment = customer_by_key[c].segment or "unspecified"
            segments[segment] = segments.get(segment, 0.0) + customer_by_key[c].annual_revenue
        result[key] = Demand(
            key=key,
            mentions=mentions.get(key, 0),
            customers=tuple(who),
            revenue=float(point_revenue[col]),
            revenue_interval=(float(revenue_bounds[0, col]), float(revenue_bounds[1, col])),
            customers_interval=(float(reach_bounds[0, col]), float(reach_bounds[1, col])),
            segments=dict(sorted(segments.items(), key=lambda kv: -kv[1])),
            share_of_revenue=float(point_revenue[col] / total_revenue) if total_revenue else 0.0,
        )
    assert point_reach.shape[0] == len(keys)
    return result


def ranking_groups(ws: Workspace, links: Mapping[str, Iterable[str]]) -> dict[str, list[str]]:
    """Feedback keys per item the ranking scores (items with no children, dropped ones left
    out), from ``links`` (feedback key -> the items it is linked to): the texts linked to the
    item itself and to each of its parents, each text once, for :func:`compute_demand`.

    The ranking scores the stories, not their epics, so a text about an epic would otherwise
    count for nothing there; it asks for the whole epic, so it holds for every story under it,
    as an epic's team, theme and deadline do. A customer who asked for the epic and for one of
    its stories is still one customer of that story. A dropped parent's texts hold for no
    story: the team decided not to build what they ask for.
    """
    dropped = ws.dropped_keys
    direct: dict[str, set[str]] = {}
    for feedback_key, items in links.items():
        for item_key in items:
            if item_key not in dropped:
                direct.setdefault(item_key, set()).add(feedback_key)
    groups: dict[str, list[str]] = {}
    for leaf in ws.leaf_items():
        if leaf.key in dropped:
            continue
        asked = set().union(*(direct.get(a.key, ()) for a in ancestry(leaf, ws.item_by_key)))
        if asked:
            groups[leaf.key] = sorted(asked)
    return groups


def external_inputs(demand: Mapping[str, Demand]) -> dict[str, dict[str, Range]]:
    """Demand as the prioritisation engine's external inputs.

    ``customer_demand`` is revenue-weighted demand (money per year of the customers asking);
    ``reach`` is the number of distinct customers asking. Both are three-point ranges from the
    bootstrap interval, so the ranking carries their uncertainty. Items nobody asked for are
    left out rather than set to zero, so hand-entered values stay in force.
    """
    asked = {k: d for k, d in demand.items() if d.mentions > 0}
    return {
        "customer_demand": {k: d.revenue_range() for k, d in asked.items()},
        "reach": {k: d.reach_range() for k, d in asked.items()},
    }
