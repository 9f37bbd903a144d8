"""On PostgreSQL a start, and a quiz's last answer, is one statement after its reads (bot/storage/_quiz_pg.py
``_start_pg``, ``_complete_pg``). What another connection does to the member between those reads and
that statement must not leave two active sessions, a session abandoned twice, or statistics that
disagree with the rows. Each test holds the member's session locked in another connection, so the
statement waits after its reads, then changes the session there and lets it go."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Coroutine
from typing import Any, TypeVar

import asyncpg
import pytest

from bot.storage import SessionRow, Storage
from bot.storage._rollups import TABLES
from tests.test_storage_known_sessions import waiting_on_locks

T = TypeVar("T")


@pytest.fixture
async def storage(postgres_url: str) -> AsyncIterator[Storage]:
    s = Storage(postgres_url)
    await s.open()
    try:
        yield s
    finally:
        await s.close()


async def meanwhile(
    url: str, storage: Storage, write: Coroutine[Any, Any, T], *changes: str, lock: int | None = None
) -> T:
    """``write`` while another process holds the session ``lock`` (or, with none, inserts the first of
    ``changes`` in a transaction it keeps open); once the write waits on it, that process makes
    ``changes`` (SQL, $1 the session) and commits."""
    other = await asyncpg.connect(url)
    try:
        async with other.transaction():
            if lock is not None:
                await other.execute("SELECT 1 FROM quiz_sessions WHERE id = $1 FOR UPDATE", lock)
            else:
                await other.execute(changes[0])
                changes = changes[1:]
            task = asyncio.create_task(write)
            await waiting_on_locks(url, storage, 1)  # the write read, and now waits on the other
            for sql in changes:
                await other.execute(sql, lock)
        return await task
    finally:
        await other.close()


async def statuses(url: str, user_id: int) -> list[tuple[str, float]]:
    con = await asyncpg.connect(url)
    try:
        rows = await con.fetch(
            "SELECT status, started_at FROM quiz_sessions WHERE user_id = $1 ORDER BY id", user_id
        )
        return [(r["status"], r["started_at"]) for r in rows]
    finally:
        await con.close()


async def rollups_match_a_rebuild(storage: Storage) -> bool:
    kept = {table: await storage.rollup_rows(table) for table in TABLES}
    await storage.rebuild_rollups()
    return kept == {table: await storage.rollup_rows(table) for table in TABLES}


def start(storage: Storage, now: float, guild_id: int | None = 1) -> Coroutine[Any, Any, SessionRow]:
    return storage.start_session(
        user_id=7, guild_id=guild_id, origin_channel_id=None, quiz_version="v", mode="dm", now=now
    )


async def test_a_quiz_closed_between_the_read_and_the_start_stays_closed(
    storage: Storage, postgres_url: str
) -> None:
    first = await start(storage, 100.0, guild_id=None)
    # Another process cancels the member's quiz as the start is about to abandon it.
    cancel = "UPDATE quiz_sessions SET status = 'cancelled' WHERE id = $1"
    await meanwhile(postgres_url, storage, start(storage, 200.0), cancel, lock=first.id)
    # The start read the member again: nothing active to abandon, the cancelled quiz left as it is.
    assert await statuses(postgres_url, 7) == [("cancelled", 100.0), ("active", 200.0)]
    assert await rollups_match_a_rebuild(storage)


async def test_a_start_elsewhere_between_the_read_and_the_start_is_abandoned_in_turn(
    storage: Storage, postgres_url: str
) -> None:
    elsewhere = (
        "INSERT INTO quiz_sessions (user_id, guild_id, quiz_version, status, position, mode, started_at,"
        " updated_at) VALUES (7, NULL, 'v', 'active', 0, 'dm', 150, 150)"
    )
    await meanwhile(postgres_url, storage, start(storage, 200.0), elsewhere)
    # Ours met the other start's session at the one-active index, read the member again, abandoned it.
    assert await statuses(postgres_url, 7) == [("abandoned", 150.0), ("active", 200.0)]
    assert await rollups_match_a_rebuild(storage)


async def test_a_quiz_moved_between_the_read_and_a_start_elsewhere_counts_where_it_stopped(
    storage: Storage, postgres_url: str
) -> None:
    first = await start(storage, 100.0)
    # A start in DMs while the member clicks on elsewhere: the server's figures go on counting the quiz
    # it abandons, where it stopped.
    click = "UPDATE quiz_sessions SET position = 2, updated_at = 150 WHERE id = $1"
    await meanwhile(postgres_url, storage, start(storage, 200.0, guild_id=None), click, lock=first.id)
    assert await statuses(postgres_url, 7) == [("abandoned", 100.0), ("active", 200.0)]
    assert await rollups_match_a_rebuild(storage)


async def test_a_last_answer_without_the_change_it_was_read_at_counts_the_stored_answers(
    storage: Storage, postgres_url: str
) -> None:
    row = await start(storage, 100.0)
    await storage.save_progress(
        row.id, expect_position=0, position=1, status="active", now=101.0, answer=("q1", "a")
    )
    # Guarded by the position alone (no updated_at) while the member answers q1 again elsewhere: the
    # statistics must count q1 as stored.
    last = storage.complete_session(
        row.id,
        expect_position=1,
        position=2,
        answer=("q2", "x"),
        outcome="ai",
        fit_ai=60,
        fit_ml=40,
        content_version="c",
        now=103.0,
    )
    again = (
        "UPDATE quiz_answers SET option_id = 'b' WHERE session_id = $1",
        "UPDATE quiz_sessions SET updated_at = 102 WHERE id = $1",
    )
    assert await meanwhile(postgres_url, storage, last, *again, lock=row.id) is not None
    assert await rollups_match_a_rebuild(storage)
    answers = await storage.rollup_rows("stats_answers")
    assert {key[3:5] for key, n in answers.items() if n} == {("q1", "b"), ("q2", "x")}
