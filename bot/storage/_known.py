"""The quiz sessions this process last read or wrote, so a click need not read its session back.

What is kept is a claim, never proof. A write computed from it names the position and ``updated_at``
it started from, and writes nothing if the row has moved since (another process's click, an expiry, a
deletion); the caller then reads the row and decides again. Discord sends every DM click to shard 0,
so one process usually serves a member's whole quiz, the claim holds, and a click is one statement: on
PostgreSQL one round trip instead of two (bench.quiz_load).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Mapping
from types import MappingProxyType

from bot.storage._rows import SessionRow

# Enough for every member mid-quiz on a busy server; the oldest go first. An entry is a row and up to
# 15 answers (~2 KB): a few MB at most, and nothing at all when nobody is taking the quiz.
LIMIT = 4096


class KnownSessions:
    def __init__(self, limit: int = LIMIT) -> None:
        self._limit = limit
        self._rows: OrderedDict[int, tuple[SessionRow, Mapping[str, str]]] = OrderedDict()

    def get(self, session_id: int) -> tuple[SessionRow, Mapping[str, str]] | None:
        found = self._rows.get(session_id)
        if found is not None:
            self._rows.move_to_end(session_id)
        return found

    def put(self, session: SessionRow, answers: Mapping[str, str]) -> None:
        """Only an active session is worth keeping: any other is never answered again."""
        if session.status != "active":
            self._rows.pop(session.id, None)
            return
        self._rows[session.id] = (session, MappingProxyType(dict(answers)))
        self._rows.move_to_end(session.id)
        while len(self._rows) > self._limit:
            self._rows.popitem(last=False)

    def drop(self, session_id: int) -> None:
        self._rows.pop(session_id, None)

    def drop_where(self, gone: Callable[[SessionRow], bool]) -> None:
        """Forget the sessions a deletion took (a member's, a server's): their answers leave memory too."""
        for session_id in [sid for sid, (row, _) in self._rows.items() if gone(row)]:
            del self._rows[session_id]

    def __len__(self) -> int:
        return len(self._rows)
