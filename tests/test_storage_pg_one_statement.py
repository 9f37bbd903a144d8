"""On PostgreSQL a start, and a quiz's last answer, is one statement after its reads (bot/storage/_quiz.py
``_start_pg``, ``_complete_pg``). What another connection does to the member between those reads and
that statement must not leave two active sessions, a session abandoned twice, or statistics that
disagree with the rows. Each test holds the member's session locked in another connection, so the
statement waits after its reads, then changes the session there and lets it go."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import asyncpg
import pytest

from bot.storage import Storage
from bot.storage._rollups import TABLES
from tests.test_storage_known_sessions import waiting_on_locks


@pytest.fixture
async def storage(postgres_url: str) -> AsyncIterator[Storage]:
    s = Storage(postgres_url)
    await s.open()
    try:
        yield s
    finally:
        await s.close()


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


async def start(storage: Storage, now: float) -> asyncio.Task[object]:
    return asyncio.create_task(
        storage.start_session(
            user_id=7, guild_id=1, origin_channel_id=None, quiz_version="v", mode="dm", now=now
        )
    )


async def test_a_quiz_closed_between_the_read_and_the_start_stays_closed(
    storage: Storage, postgres_url: str
) -> None:
    first = await storage.start_session(
        user_id=7, guild_id=None, origin_channel_id=None, quiz_version="v", mode="dm", now=100.0
    )
    other = await asyncpg.connect(postgres_url)  # another process, cancelling the member's quiz
    try:
        async with other.transaction():
            await other.execute("SELECT 1 FROM quiz_sessions WHERE id = $1 FOR UPDATE", first.id)
            restart = await start(storage, 200.0)
            await waiting_on_locks(postgres_url, storage, 1)  # the start read, and waits on the session
            await other.execute("UPDATE quiz_sessions SET status = 'cancelled' WHERE id = $1", first.id)
        await restart
    finally:
        await other.close()
    # The start read the member again: nothing active to abandon, the cancelled quiz left as it is.
    assert await statuses(postgres_url, 7) == [("cancelled", 100.0), ("active", 200.0)]
    assert await rollups_match_a_rebuild(storage)


async def test_a_start_elsewhere_between_the_read_and_the_start_is_abandoned_in_turn(
    storage: Storage, postgres_url: str
) -> None:
    other = await asyncpg.connect(postgres_url)  # another process starting the member's quiz
    try:
        async with other.transaction():
            await other.execute(
                "INSERT INTO quiz_sessions (user_id, guild_id, quiz_version, status, position, mode, started_at,"
                " updated_at) VALUES (7, NULL, 'v', 'active', 0, 'dm', 150, 150)"
            )
            ours = await start(storage, 200.0)
            await waiting_on_locks(postgres_url, storage, 1)  # the one-active index holds ours back
        await ours
    finally:
        await other.close()
    # Ours met the other start's session at the index, read the member again, and abandoned it.
    assert await statuses(postgres_url, 7) == [("abandoned", 150.0), ("active", 200.0)]
    assert await rollups_match_a_rebuild(storage)


async def test_a_quiz_moved_between_the_read_and_a_start_elsewhere_counts_where_it_stopped(
    storage: Storage, postgres_url: str
) -> None:
    first = await storage.start_session(
        user_id=7, guild_id=1, origin_channel_id=None, quiz_version="v", mode="dm", now=100.0
    )
    other = await asyncpg.connect(postgres_url)  # another process, where the member clicks on
    try:
        async with other.transaction():
            await other.execute("SELECT 1 FROM quiz_sessions WHERE id = $1 FOR UPDATE", first.id)
            # A start in DMs: the server's figures go on counting the quiz it abandons, where it stopped.
            restart = asyncio.create_task(
                storage.start_session(
                    user_id=7, guild_id=None, origin_channel_id=None, quiz_version="v", mode="dm", now=200.0
                )
            )
            await waiting_on_locks(postgres_url, storage, 1)
            await other.execute(
                "UPDATE quiz_sessions SET position = 2, updated_at = 150 WHERE id = $1", first.id
            )
        await restart
    finally:
        await other.close()
    assert await statuses(postgres_url, 7) == [("abandoned", 100.0), ("active", 200.0)]
    assert await rollups_match_a_rebuild(storage)


async def test_a_last_answer_without_the_change_it_was_read_at_counts_the_stored_answers(
    storage: Storage, postgres_url: str
) -> None:
    row = await storage.start_session(
        user_id=7, guild_id=1, origin_channel_id=None, quiz_version="v", mode="dm", now=100.0
    )
    await storage.save_progress(
        row.id, expect_position=0, position=1, status="active", now=101.0, answer=("q1", "a")
    )
    other = await asyncpg.connect(postgres_url)  # another process, where the member answered q1 again
    try:
        async with other.transaction():
            await other.execute("SELECT 1 FROM quiz_sessions WHERE id = $1 FOR UPDATE", row.id)
            # Guarded by the position alone (no updated_at): the statistics must count q1 as stored.
            done = asyncio.create_task(
                storage.complete_session(
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
            )
            await waiting_on_locks(postgres_url, storage, 1)
            await other.execute("UPDATE quiz_answers SET option_id = 'b' WHERE session_id = $1", row.id)
            await other.execute("UPDATE quiz_sessions SET updated_at = 102 WHERE id = $1", row.id)
        assert await done is not None
    finally:
        await other.close()
    assert await rollups_match_a_rebuild(storage)
    answers = await storage.rollup_rows("stats_answers")
    assert {key[3:5] for key, n in answers.items() if n} == {("q1", "b"), ("q2", "x")}
