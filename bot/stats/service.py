"""StatsService: the one door to moderators' statistics, for the cogs and the CLI alike.

It owns where figures stop (the cut-off), the read-only connection they are read on, a cache that
lasts until the cut-off moves, and the FAQ review. The cogs only translate its results.

Reads are short: a summary is three range reads of the rollups. On SQLite they share one reader
connection (one read transaction per summary, so a long reader never pins the WAL); on PostgreSQL each
runs in its own read-only, repeatable-read transaction from the storage's read pool.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal, cast

import aiosqlite

from bot.content import Quiz
from bot.stats.figures import Reader, Summary, period_start, summary, week_start
from bot.stats.suppression import Cell, suppress
from bot.stats.types import Period
from bot.storage import Storage

# A cached summary is also dropped after this long, so a member's /careerbot forget leaves the
# figures within minutes even while the cut-off stands still (deletions are not announced here).
CACHE_SECONDS = 300.0


def week_start_epoch(t: float) -> float:
    """Monday 00:00 UTC of the week holding ``t``: the same week as ``week_start``."""
    return datetime.fromisoformat(week_start(t)).replace(tzinfo=UTC).timestamp()


@dataclass(frozen=True)
class FaqVotes:
    entry_id: str
    up: Cell
    down: Cell


@dataclass(frozen=True)
class FaqReview:
    groups: list[FaqItem]
    votes: list[FaqVotes]


@dataclass(frozen=True)
class FaqItem:
    sample: str
    count: Cell  # how many times it was asked (declined) or got a 👎; under k reads "< k"
    closest_entry: str | None
    kind: Literal["declined", "downvoted", "noise"]  # noise: declined, and off-topic for the answerer


class StatsService:
    def __init__(
        self,
        storage: Storage,
        quiz: Quiz,
        *,
        k: int,
        up_to: Literal["last-week", "now"],
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._storage, self._quiz, self.k, self.up_to, self._clock = storage, quiz, k, up_to, clock
        self._reader: aiosqlite.Connection | None = None
        self._lock = asyncio.Lock()  # one read transaction at a time on the shared reader
        self._cache: dict[tuple[int, Period], tuple[float, float, Summary]] = {}
        self._previous: dict[tuple[int, Period, float], tuple[float, Summary]] = {}

    def cutoff(self) -> float:
        """Where figures stop: now, or Monday 00:00 UTC of this week (STATS_UP_TO)."""
        now = self._clock()
        return now if self.up_to == "now" else week_start_epoch(now)

    def cutoff_words(self) -> str | None:
        """The cut-off in a moderator's words; None when figures run to now."""
        if self.up_to == "now":
            return None
        day = datetime.fromtimestamp(self.cutoff(), UTC).strftime("%d %b %Y")
        return f"Figures up to Monday {day}, 00:00 UTC; this week appears next Monday."

    @asynccontextmanager
    async def _reading(self) -> AsyncIterator[Reader]:
        """A reader for one summary: PostgreSQL's read pool, or the one SQLite reader, in turn."""
        if self._storage.is_postgres:
            async with self._storage.read_snapshot() as tx:
                yield tx
            return
        async with self._lock:
            if self._reader is None:
                self._reader = await self._storage.open_reader()
            yield self._reader

    async def summary(self, guild_id: int, period: Period) -> Summary:
        """The guild's summary, from cache while the cut-off has not moved."""
        cutoff, now = self.cutoff(), self._clock()
        cached = self._cache.get((guild_id, period))
        if cached is not None and cached[0] == cutoff and now - cached[1] < CACHE_SECONDS:
            return cached[2]
        async with self._reading() as db:
            result = await summary(
                db, guild_id=guild_id, period=period, now=cutoff, k=self.k, quiz=self._quiz
            )
        if len(self._cache) > 256:
            self._cache.clear()
        self._cache[guild_id, period] = (cutoff, now, result)
        return result

    def cached(self, guild_id: int, period: Period) -> Summary | None:
        """The last summary computed, while its cut-off stands (with STATS_UP_TO=now, the cut-off moves
        every call: then only its age counts), or None; never computes (for the question menu)."""
        cached = self._cache.get((guild_id, period))
        if cached is None or self._clock() - cached[1] >= CACHE_SECONDS:
            return None
        return cached[2] if self.up_to == "now" or cached[0] == self.cutoff() else None

    async def previous(self, guild_id: int, period: Period) -> Summary | None:
        """The period just before this one (same length), for "what changed"; None for all time."""
        cutoff = self.cutoff()
        since = period_start(period, cutoff)
        if since is None:
            return None
        key, now = (guild_id, period, since), self._clock()
        cached = self._previous.get(key)
        if cached is not None and now - cached[0] < CACHE_SECONDS:
            return cached[1]
        async with self._reading() as db:
            result = await summary(db, guild_id=guild_id, period=period, now=since, k=self.k, quiz=self._quiz)
        if len(self._previous) > 256:
            self._previous.clear()
        self._previous[key] = (now, result)
        return result

    def forget_cached(self, guild_id: int | None = None) -> None:
        """Drop cached summaries (all, or one guild's), e.g. after a deletion."""
        for key in [key for key in self._cache if guild_id is None or key[0] == guild_id]:
            del self._cache[key]
        for old in [old for old in self._previous if guild_id is None or old[0] == guild_id]:
            del self._previous[old]

    async def faq_review(
        self, guild_id: int, period: Period, *, near: Callable[[str], bool] | None = None
    ) -> FaqReview:
        """Declined and 👎'd questions and votes per answer, up to the same cut-off as the summary.

        ``near`` (the FAQ answerer's nearness) tells a gap worth an answer from off-topic noise."""
        from bot.faq import review as faq_review  # imported late: it imports bot.stats

        until = self.cutoff()
        since = period_start(period, until)
        async with self._reading() as reader:
            # faq_review's queries go through bot.stats._rows, which serves either backend's reader.
            db = cast(Any, reader)
            groups = await faq_review.faq_queue(db, guild_id=guild_id, since=since, until=until, near=near)
            votes = await faq_review.faq_votes(db, guild_id=guild_id, since=since, until=until)
        items = [FaqItem(g.sample, self._count(g.count), g.closest_entry, g.kind) for g in groups]
        cells = []
        for entry_id, up, down in votes:
            pair = suppress({"up": up, "down": down}, self.k)
            cells.append(FaqVotes(entry_id, pair["up"], pair["down"]))
        return FaqReview(items, cells)

    def _count(self, n: int) -> Cell:
        return Cell(n, None) if n >= self.k else Cell(None, None, "small")

    async def close(self) -> None:
        if self._reader is not None:
            reader, self._reader = self._reader, None
            await reader.close()
