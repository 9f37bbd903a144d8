"""Clicks queued behind the SQLite writer's lock all go through in the loop pass after it is released.

The lock is held across a thread hop (a WAL checkpoint, a moderator's write); the click path then
holds it only around statements that never yield. asyncio.Lock woke one waiter per pass of the event
loop, and under load a pass takes tens of milliseconds: 400 members queued behind one checkpoint waited
past the acknowledgement budget, and three clicks in four were deferred and edited (two requests
instead of one). These tests count loop passes, not time.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from bot.storage import Storage

CLICKS = 40


async def _sessions(storage: Storage, n: int) -> list[int]:
    ids = []
    for user in range(1, n + 1):
        session = await storage.start_session(
            user_id=user, guild_id=1, origin_channel_id=None, quiz_version="v", mode="dm", now=time.time()
        )
        ids.append(session.id)
    return ids


async def test_clicks_queued_behind_a_thread_hop_all_save_in_the_next_loop_pass(tmp_path: Path) -> None:
    storage = Storage(tmp_path / "lock.sqlite3")
    await storage.open()
    try:
        sids = await _sessions(storage, CLICKS)
        held, hop_done = asyncio.Event(), asyncio.Event()

        async def thread_hop() -> None:  # what a checkpoint does: the lock held across a thread hop
            async with storage._lock:
                held.set()
                await storage.db.execute_fetchall("PRAGMA wal_checkpoint(PASSIVE)")
                await hop_done.wait()

        async def click(sid: int) -> object:
            return await storage.save_progress(
                sid, expect_position=0, position=1, status="active", now=time.time(), answer=("q1", "a")
            )

        holder = asyncio.create_task(thread_hop())
        await held.wait()
        clicks = [asyncio.create_task(click(sid)) for sid in sids]
        for _ in range(3):  # every click starts and queues on the lock
            await asyncio.sleep(0)
        assert not any(c.done() for c in clicks), "the clicks wait while the thread hop holds the lock"

        hop_done.set()
        await holder  # released: each waiter is woken for the next pass
        for _ in range(2):
            await asyncio.sleep(0)
        saved = sum(c.done() for c in clicks)
        await asyncio.gather(*clicks)  # (the rest, so a failure never closes the database under them)
        assert saved == CLICKS, (
            f"{saved} of {CLICKS} clicks saved two loop passes after the lock was released"
        )
        assert all(c.result() is not None for c in clicks)
    finally:
        await storage.close()
    reopened = Storage(tmp_path / "lock.sqlite3")
    await reopened.open()
    try:
        rows = await reopened._all("SELECT count(*) AS n FROM quiz_answers WHERE question_id = 'q1'")
        assert rows[0]["n"] == CLICKS
        moved = await reopened._all("SELECT count(*) AS n FROM quiz_sessions WHERE position = 1")
        assert moved[0]["n"] == CLICKS
    finally:
        await reopened.close()


async def test_a_waiter_cancelled_while_queued_leaves_the_lock_usable(tmp_path: Path) -> None:
    storage = Storage(tmp_path / "cancel.sqlite3")
    await storage.open()
    try:
        (sid,) = await _sessions(storage, 1)
        await storage._lock.acquire()
        waiter = asyncio.create_task(storage._lock.acquire())
        await asyncio.sleep(0)
        waiter.cancel()
        storage._lock.release()
        await asyncio.gather(waiter, return_exceptions=True)
        assert not storage._lock.locked()
        moved = await storage.save_progress(
            sid, expect_position=0, position=1, status="active", now=time.time(), answer=("q1", "a")
        )
        assert moved is not None and moved.position == 1
    finally:
        await storage.close()
