"""Housekeeping runs in one process at a time: on PostgreSQL an advisory lock held on a connection of
its own, on SQLite a lease row. Two Storage objects on one schema stand for two bot processes sharing
the database; a restart goes through the real bot."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import asyncpg

from bot.storage import Storage
from cogs.housekeeping import Housekeeping
from tests.conftest import BotRunner
from tests.quiz_paths import db_rows

JOB = "housekeeping"


async def opened(target: Path | str) -> Storage:
    s = Storage(target)
    await s.open()
    return s


async def test_exactly_one_of_two_processes_holds_housekeeping_on_postgresql(postgres_url: str) -> None:
    first, second = await opened(postgres_url), await opened(postgres_url)
    try:
        # Both try at once, as two shard processes starting together do: exactly one wins.
        won = await asyncio.gather(
            first.hold_exclusive(JOB, "a", 90, 0.0), second.hold_exclusive(JOB, "b", 90, 0.0)
        )
        assert sorted(won) == [False, True]
        holder, other = (first, second) if won[0] else (second, first)
        # The holder keeps it tick after tick, with no expiry to renew; the other keeps being refused.
        assert await holder.hold_exclusive(JOB, "x", 90, 10_000.0)
        assert not await other.hold_exclusive(JOB, "y", 90, 10_000.0)
        # The holder's process dies (its connections end): the other takes housekeeping at its next tick.
        await holder.close()
        assert await other.hold_exclusive(JOB, "y", 90, 10_001.0)
    finally:
        await first.close()
        await second.close()


async def test_a_dropped_lock_connection_is_taken_over_not_run_twice(postgres_url: str) -> None:
    first, second = await opened(postgres_url), await opened(postgres_url)
    admin = await asyncpg.connect(postgres_url)
    try:
        assert await first.hold_exclusive(JOB, "a", 90, 0.0)
        # The server cuts the holder's lock connection (a restart, a network drop): the lock is free.
        pid = first._exclusive[JOB].get_server_pid()
        assert await admin.fetchval("SELECT pg_terminate_backend($1)", pid)
        assert await second.hold_exclusive(JOB, "b", 90, 1.0)
        # The first finds its connection gone and, the lock now taken, stands aside.
        assert not await first.hold_exclusive(JOB, "a", 90, 2.0)
        assert await second.hold_exclusive(JOB, "b", 90, 3.0)
    finally:
        await admin.close()
        await first.close()
        await second.close()


async def test_schemas_sharing_one_database_do_not_exclude_each_other(postgres_url: str) -> None:
    # Another deployment (another schema) in the same database holds its own housekeeping.
    async with asyncpg.create_pool(postgres_url, min_size=1, max_size=1) as pool:
        other_schema = f"{postgres_url.rsplit('search_path=', 1)[1]}_other"
        await pool.execute(f"CREATE SCHEMA {other_schema}")
        try:
            ours = await opened(postgres_url)
            theirs = await opened(postgres_url + "_other")
            try:
                assert await ours.hold_exclusive(JOB, "a", 90, 0.0)
                assert await theirs.hold_exclusive(JOB, "b", 90, 0.0)
            finally:
                await ours.close()
                await theirs.close()
        finally:
            await pool.execute(f"DROP SCHEMA {other_schema} CASCADE")


async def test_sqlite_keeps_the_lease_row(tmp_path: Path) -> None:
    first, second = await opened(tmp_path / "l.sqlite3"), await opened(tmp_path / "l.sqlite3")
    try:
        assert await first.hold_exclusive(JOB, "a", 90, 1000.0)
        assert not await second.hold_exclusive(JOB, "b", 90, 1060.0)
        assert await second.lease_holder(JOB, 1060.0) == "a"
        assert await second.hold_exclusive(JOB, "b", 90, 1091.0)  # lapsed: the holder stopped renewing
    finally:
        await first.close()
        await second.close()


async def test_a_restarted_bot_runs_housekeeping_at_once(runner: BotRunner) -> None:
    # One process, restarted (a deploy): its earlier run gave the lease up on shutdown, so the new run's
    # first pass sweeps instead of skipping until the old lease lapses (90 minutes by default).
    bot = await runner.start()
    # By attribute, not isinstance: discord.py imports an extension's module afresh on each load.
    first: Housekeeping = bot.get_cog("Housekeeping")  # type: ignore[assignment]
    assert await bot.storage.lease_holder(JOB, time.time()) == first.holder
    await runner.stop()

    # While it was down, a member's question passed the retention period.
    storage = await opened(runner.db_path)
    try:
        old = time.time() - (bot.settings.faq_retention_days + 1) * 86400
        await storage.record_faq_query(
            user_id=42,
            guild_id=None,
            question="is the pay really that different?",
            entry_id=None,
            score=0.1,
            declined=True,
            source="slash",
            now=old,
        )
    finally:
        await storage.close()

    bot = await runner.start()
    second: Housekeeping = bot.get_cog("Housekeeping")  # type: ignore[assignment]
    assert second.holder != first.holder
    assert await bot.storage.lease_holder(JOB, time.time()) == second.holder
    assert db_rows(runner.db_path, "SELECT count(*) FROM faq_queries") == [(0,)], "purged at the first pass"
