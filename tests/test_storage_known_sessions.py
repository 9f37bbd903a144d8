"""Storage's memory of quiz sessions (bot/storage/_known.py) keeps nothing a deletion took: not when a
click was already under way as a member's data was deleted, not past its lifetime, not past its size."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from bot.storage import SessionRow, Storage
from bot.storage._known import KnownSessions


@asynccontextmanager
async def writes_held(target: Path | str) -> AsyncIterator[asyncio.Event]:
    """Another process holding the database's writes until the yielded event is set."""
    release = asyncio.Event()
    if isinstance(target, Path):
        con = sqlite3.connect(target, isolation_level=None)
        con.execute("BEGIN IMMEDIATE")
        try:
            yield release
            await release.wait()
        finally:
            con.execute("COMMIT")
            con.close()
        return
    import asyncpg

    pg = await asyncpg.connect(target)
    try:
        async with pg.transaction():
            await pg.execute("LOCK TABLE quiz_sessions IN EXCLUSIVE MODE")
            yield release
            await release.wait()
    finally:
        await pg.close()


async def waiting_on_locks(target: Path | str, storage: Storage, count: int) -> None:
    """Until ``count`` of this storage's statements wait behind writes_held (no sleeping: yields, and on
    PostgreSQL asks the server)."""
    async with asyncio.timeout(10):
        if isinstance(target, Path):
            # The click holds the bot's writer lock while its BEGIN waits on aiosqlite's thread.
            while not storage._lock.locked():  # noqa: ASYNC110
                await asyncio.sleep(0)
            return
        import asyncpg

        admin = await asyncpg.connect(target)
        try:
            query = "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()"
            while await admin.fetchval(query) < count:  # noqa: ASYNC110
                await asyncio.sleep(0)
        finally:
            await admin.close()


async def test_a_click_under_way_cannot_keep_a_forgotten_member_in_memory(database: Path | str) -> None:
    storage = Storage(database)
    await storage.open()
    try:
        row = await storage.start_session(
            user_id=7, guild_id=1, origin_channel_id=None, quiz_version="v", mode="dm", now=100.0
        )
        assert storage.known_session(row.id) is not None
        async with writes_held(database) as release:
            click = asyncio.create_task(
                storage.save_progress(
                    row.id,
                    expect_position=0,
                    expect_updated_at=100.0,
                    position=1,
                    status="active",
                    now=101.0,
                    answer=("q1", "a"),
                )
            )
            await waiting_on_locks(database, storage, 1)
            forget = asyncio.create_task(storage.forget_member(7))
            if isinstance(database, str):
                await waiting_on_locks(database, storage, 2)
            else:
                for _ in range(20):  # let forget reach the writer lock, behind the click
                    await asyncio.sleep(0)
            release.set()
        await asyncio.gather(click, forget)

        assert await storage.counts() == {
            "quiz_sessions": 0,
            "quiz_answers": 0,
            "quiz_results": 0,
            "faq_queries": 0,
            "faq_feedback": 0,
        }
        assert storage.known_session(row.id) is None
    finally:
        await storage.close()


def session(sid: int, *, user: int = 7, status: str = "active") -> SessionRow:
    return SessionRow(sid, user, 1, None, "v", status, 0, "dm", None, None, 100.0, 100.0, None)


def test_an_answer_read_before_a_deletion_is_not_kept_after_it() -> None:
    known = KnownSessions()
    since = known.generation  # a read begins...
    known.drop_where(lambda row: row.user_id == 7)  # ...a deletion commits meanwhile...
    known.put(session(1), {"q1": "a"}, since=since)  # ...and the read's answer arrives late
    assert known.get(1) is None
    known.put(session(1), {"q1": "a"}, since=known.generation)
    assert known.get(1) == (session(1), {"q1": "a"})


def test_an_entry_lapses_once_the_database_has_not_confirmed_it_for_its_lifetime() -> None:
    now = [0.0]
    known = KnownSessions(ttl=300.0, clock=lambda: now[0])
    known.put(session(1), {}, since=0)
    now[0] = 200.0
    known.put(session(2), {}, since=0)
    now[0] = 301.0
    assert known.get(1) is None and known.get(2) is not None
    now[0] = 501.0
    assert known.get(2) is None and len(known) == 0


def test_the_oldest_go_first_past_the_limit_and_only_active_sessions_are_kept() -> None:
    known = KnownSessions(limit=2)
    for sid in (1, 2, 3):
        known.put(session(sid), {}, since=0)
    assert [known.get(sid) is not None for sid in (1, 2, 3)] == [False, True, True]
    known.put(session(3, status="completed"), {}, since=0)
    assert known.get(3) is None and len(known) == 1
