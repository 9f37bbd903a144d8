"""Small-group suppression: which counts a moderator may see, so none can be worked out from the rest.

The rule is described in bot/stats/summary.py's docstring; this module is the mechanism, with no SQL.
It is the only suppression rule of the bot: embeds, charts and CSV all read a ``Cell``.

Two kinds of hiding are kept apart. A count under k is *small* and reads "< k". A count of k or more
hidden only so that a small one cannot be worked out is *protective* and reads "hidden": calling it
"< k" would be a false number. Saying so tells the reader it is at least k, so the leak test below
takes that bound into account too.
"""

from __future__ import annotations

import heapq
import math
from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from bot.stats.types import Hidden


@dataclass(frozen=True)
class Cell:
    """A count that may be suppressed."""

    count: int | None  # None = suppressed
    share: float | None  # 0..1 of its group total; None when suppressed or the total is hidden
    why: Hidden | None = None  # set when suppressed: "small" (under k) or "protects" (k or more)

    @property
    def hidden(self) -> bool:
        return self.count is None

    @property
    def protective(self) -> bool:
        return self.count is None and self.why == "protects"

    def show(self, k: int) -> str:
        if self.count is None:
            return HIDDEN_WORD if self.why == "protects" else f"< {k}"
        if self.share is None:
            return str(self.count)
        return f"{self.count} ({self.share:.0%})"


HIDDEN_WORD = "hidden"


@dataclass(frozen=True)
class Group:
    """Cells (``parts``) that add up to ``total``, which a moderator can see or work out."""

    total: str
    parts: tuple[str, ...]


def hidden_cells(
    counts: Mapping[str, int],
    groups: Sequence[Group],
    k: int,
    *,
    avoid: Collection[str] = (),
    activity: Collection[str] = (),
) -> frozenset[str]:
    """The keys to hide (see the module docstring for the rule).

    ``avoid``: cells to pick as complements only when nothing else is left (a cell that is also the
    total of other groups: hiding it would make those groups' shares and totals unshowable).
    ``activity``: counts shown even under k (how many started or finished, not what anyone chose);
    they are still hidden, last of all, when only that keeps a sensitive count from being worked out.
    """
    if k <= 1:
        return frozenset()
    avoid = {*avoid, *activity}
    # Parts of a shown activity total of 0 are 0 for all to see (nobody finished: no outcomes).
    implied = {p for g in groups if counts[g.total] == 0 and g.total in activity for p in g.parts}
    shown_anyway = {*activity, *implied}
    hidden = {key for key, n in counts.items() if n < k and key not in shown_anyway}
    for group in groups:
        if counts[group.total] < k:
            hidden.update(p for p in group.parts if p not in shown_anyway)
    holding: dict[str, list[int]] = defaultdict(list)
    for i, group in enumerate(groups):
        for key in {group.total, *group.parts}:
            holding[key].append(i)
    queue = _GroupQueue(len(groups))  # always the first leaky group in list order
    while True:
        while queue:
            i = queue.pop()
            if _leaky(groups[i], counts, hidden, k):
                complement = _complement(groups[i], counts, hidden, avoid)
                hidden.add(complement)
                # Only groups holding the new cell can have changed; this one may need another round.
                queue.push(i, *holding[complement])
        exposed = _determined(groups, hidden)
        if not exposed:
            return frozenset(hidden)
        more = _unpin(min(exposed), counts, groups, hidden, avoid)
        if more is None:
            return frozenset(hidden)  # every group is all shown or all hidden: nothing left to widen
        hidden.add(more)
        queue.push(*holding[more])


class _GroupQueue:
    """Group indices to (re)check, smallest first, each queued once."""

    def __init__(self, size: int) -> None:
        self._heap = list(range(size))
        self._queued = set(self._heap)

    def __bool__(self) -> bool:
        return bool(self._heap)

    def push(self, *indices: int) -> None:
        for i in indices:
            if i not in self._queued:
                self._queued.add(i)
                heapq.heappush(self._heap, i)

    def pop(self) -> int:
        i = heapq.heappop(self._heap)
        self._queued.discard(i)
        return i


def _unpin(
    key: str, counts: Mapping[str, int], groups: Sequence[Group], hidden: set[str], avoid: Collection[str]
) -> str | None:
    """Another cell to hide for a hidden cell the equations still determine.

    Tries each partly hidden group's complement, smallest first and avoided ones last, and takes
    the first that leaves ``key`` undetermined (the equation pinning it may run through a group
    that does not hold it, e.g. funnel minus stopped = active); else the first, and loops again.
    """
    candidates = {
        _complement(g, counts, hidden, avoid) for g in groups if 0 < _hidden_in(g, hidden) <= len(g.parts)
    }
    ranked = sorted(candidates, key=lambda c: (c in avoid, counts[c], c))
    return next(
        (c for c in ranked if key not in _determined(groups, hidden | {c})), ranked[0] if ranked else None
    )


def _hidden_in(group: Group, hidden: Collection[str]) -> int:
    return (group.total in hidden) + sum(p in hidden for p in group.parts)


def _leaky(group: Group, counts: Mapping[str, int], hidden: Collection[str], k: int) -> bool:
    """Whether the group's total and shown cells pin a hidden one, taking each label at its word.

    With the total shown, the hidden parts add up to a known S. A lone hidden entry is S itself.
    Each "< k" cell reads as 0..k-1 and each "hidden" one as at least k, so S at its least
    (every small cell 0, every protective one exactly k) pins them all, and with no protective cell
    so does S at its most (every small cell k - 1). The tests use only S and the labels, which the
    reader knows anyway, so the rule itself gives nothing away.
    """
    if not group.parts:
        return False  # e.g. no versions yet: an empty sum pins nothing
    if _hidden_in(group, hidden) == 1:
        return True
    parts = [p for p in group.parts if p in hidden]
    if group.total in hidden or not parts:
        return False
    rest = sum(counts[p] for p in parts)
    small = sum(counts[p] < k for p in parts)
    big = len(parts) - small
    return rest == big * k or (big == 0 and rest == small * (k - 1))


def _complement(
    group: Group, counts: Mapping[str, int], hidden: Collection[str], avoid: Collection[str]
) -> str:
    """The next-smallest shown part (avoided ones last, ties in group order); the total if none is shown."""
    shown = [(p in avoid, counts[p], i, p) for i, p in enumerate(group.parts) if p not in hidden]
    return min(shown)[3] if shown else group.total


def _determined(groups: Sequence[Group], hidden: Collection[str]) -> set[str]:
    """Hidden keys fixed by the group equations alone: exact Gauss-Jordan over the hidden unknowns.

    Each group reads sum(parts) - total = 0; shown entries are constants, so only hidden ones form
    the matrix. A hidden key is determined iff its unit vector lies in the row space, i.e. iff the
    reduced row echelon form has a row with that key alone. Integer rows (fraction-free
    elimination, divided by their gcd) keep it exact and several times faster than Fractions.
    """
    pivots: dict[str, dict[str, int]] = {}
    for group in groups:
        row = {p: 1 for p in group.parts if p in hidden}
        if group.total in hidden:
            row[group.total] = row.get(group.total, 0) - 1
        row = {col: value for col, value in row.items() if value}
        for key in [key for key in row if key in pivots]:
            row = _eliminate(row, pivots[key], key)
        if not row:
            continue
        pivot = min(row)
        for name, other in pivots.items():  # keep the new pivot column clear in the other rows
            if pivot in other:
                pivots[name] = _eliminate(other, row, pivot)
        pivots[pivot] = row
    return {pivot for pivot, row in pivots.items() if len(row) == 1}


def _eliminate(row: dict[str, int], by: dict[str, int], col: str) -> dict[str, int]:
    """``row`` with ``col`` cleared by a multiple of ``by``, in integers."""
    scale, factor = by[col], row[col]
    out = {key: scale * value for key, value in row.items()}
    for key, value in by.items():
        out[key] = out.get(key, 0) - factor * value
    out = {key: value for key, value in out.items() if value}
    divisor = math.gcd(*out.values()) if out else 1
    return {key: value // divisor for key, value in out.items()}


def _make_cells(
    counts: Mapping[str, int], hidden: Collection[str], share_of: Mapping[str, str], k: int
) -> dict[str, Cell]:
    cells: dict[str, Cell] = {}
    for key, n in counts.items():
        if key in hidden:
            cells[key] = Cell(None, None, "small" if n < k else "protects")
            continue
        total = share_of.get(key)
        visible = total is not None and total not in hidden and counts[total] > 0
        cells[key] = Cell(n, n / counts[total] if visible and total is not None else None)
    return cells


def suppress(counts: Mapping[str, int], k: int, *, total: str | None = None) -> dict[str, Cell]:
    """One group of cells whose sum is shown as their total: the rule above for a single group.

    Rarely the total itself must go too (every part hidden and each exactly k - 1); pass ``total``
    to get its cell under that key as well, and show the total only from there.
    """
    total_key = "\0total" if total is None else total
    counts_all = {**counts, total_key: sum(counts.values())}
    hidden = hidden_cells(counts_all, [Group(total_key, tuple(counts))], k)
    cells = _make_cells(counts_all, hidden, dict.fromkeys(counts, total_key), k)
    return {key: cells[key] for key in counts_all if total is not None or key != total_key}
