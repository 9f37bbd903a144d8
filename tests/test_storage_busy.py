"""The click path lowers the writer's busy timeout to 0 on the event loop (never wait there) and leaves
it so between clicks; anything through aiosqlite's thread must still wait the configured timeout for
another process's write lock, not fail at once."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from pathlib import Path

from bot.storage import Storage


async def test_a_write_after_clicks_still_waits_for_another_process_lock(tmp_path: Path) -> None:
    db = tmp_path / "busy.sqlite3"
    s = Storage(db, busy_timeout_ms=10_000)
    await s.open()
    try:
        assert await s._one_fast("SELECT 1 AS one") is not None  # a click's read: timeout now 0
        other = sqlite3.connect(db, isolation_level=None, check_same_thread=False)
        other.execute("BEGIN IMMEDIATE")  # another process holds the write lock for a moment
        releaser = threading.Timer(0.3, lambda: other.execute("ROLLBACK"))
        releaser.start()
        try:
            # The thread path waits (busy timeout 10 s) instead of failing at once with "locked".
            async with s._tx() as tx:
                await tx.execute(
                    "INSERT INTO leases (name, holder, expires_at, acquired_at) VALUES ('x', 'y', 1, 0)"
                )
        finally:
            await asyncio.to_thread(releaser.join, 10)
            other.close()
        row = await s._one_fast("SELECT holder FROM leases WHERE name = 'x'")
        assert row is not None and row["holder"] == "y"
    finally:
        await s.close()
