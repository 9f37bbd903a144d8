"""The quiz sessions this process last read or wrote, so a click need not read its session back.

What is kept is a claim, never proof. A write computed from it names the position and ``updated_at``
it started from, and writes nothing if the row has moved since (another process's click, an expiry, a
deletion); the caller then reads the row and decides again. Discord sends every DM click to shard 0,
so one process usually serves a member's whole quiz, the claim holds, and a click is one statement: on
PostgreSQL one round trip instead of two (bench.quiz_load).

Deleted data must not linger here. A deletion in this process drops its sessions once it has
committed, and a read or write that was already under way when it did cannot put them back (the
``generation`` it started from is stale). A deletion by another process (a /careerbot forget on
another shard, its housekeeping) cannot reach this memory: an entry is kept at most ``TTL_S`` after
the database last confirmed it.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from types import MappingProxyType

from bot.storage._rows import SessionRow

# Enough for every member mid-quiz on a busy server; the oldest go first. An entry is a row and up to
# 15 answers, a few kB: some MB at most, and nothing at all when nobody is taking the quiz.
LIMIT = 4096
# A member thinking longer than this between two clicks costs one read; another process's deletion
# leaves this memory within this time.
TTL_S = 300.0


class KnownSessions:
    def __init__(
        self, limit: int = LIMIT, ttl: float = TTL_S, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._limit, self._ttl, self._clock = limit, ttl, clock
        # By when the database last confirmed each entry, oldest first.
        self._rows: OrderedDict[int, tuple[SessionRow, Mapping[str, str], float]] = OrderedDict()
        self.generation = 0  # moves on at every deletion: see put()

    def get(self, session_id: int) -> tuple[SessionRow, Mapping[str, str]] | None:
        found = self._rows.get(session_id)
        if found is None:
            return None
        if self._clock() - found[2] > self._ttl:
            del self._rows[session_id]
            return None
        return found[0], found[1]

    def put(self, session: SessionRow, answers: Mapping[str, str], *, since: int) -> None:
        """Keep what the database just said, unless a deletion ran since the caller began asking it
        (``since``: the generation then), which may have taken this very row."""
        if since != self.generation or session.status != "active":
            self._rows.pop(session.id, None)  # only an active session is ever answered again
            return
        now = self._clock()
        self._rows[session.id] = (session, MappingProxyType(dict(answers)), now)
        self._rows.move_to_end(session.id)
        while self._rows:
            oldest = next(iter(self._rows.values()))
            if len(self._rows) <= self._limit and now - oldest[2] <= self._ttl:
                break
            self._rows.popitem(last=False)

    def drop(self, session_id: int) -> None:
        self._rows.pop(session_id, None)

    def drop_where(self, gone: Callable[[SessionRow], bool]) -> None:
        """After a deletion committed: forget the sessions it took (a member's, a server's), and make
        every read or write still under way unable to put them back."""
        self.generation += 1
        for session_id in [sid for sid, (row, _, _) in self._rows.items() if gone(row)]:
            del self._rows[session_id]

    def __len__(self) -> int:
        return len(self._rows)
