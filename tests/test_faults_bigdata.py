"""Big data must not stall members: a departed server is deleted in short batches, and a member's
click in the meantime is saved between two batches instead of waiting for the whole server; the WAL
stays bounded however the reads overlap."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import threading
import time
from pathlib import Path

import discord

from bot.housekeeping import sweep
from fakediscord import FakeDiscord
from tests.conftest import BotRunner
from tests.quiz_paths import db_rows, option_ids

ROWS = 2000


async def test_guild_deletion_is_batched_and_a_click_interleaves(
    fake: FakeDiscord, runner: BotRunner
) -> None:
    departed, stays = fake.add_guild(name="Departed"), fake.add_guild(name="Stays")
    alice, bob = fake.add_user("alice"), fake.add_user("bob")
    fake.add_member(departed, alice)
    fake.add_member(stays, bob)
    bot = await runner.start()
    await fake.invoke(alice, "faq", guild=departed, options={"question": "which pays more"})
    with sqlite3.connect(runner.db_path, timeout=10) as con:  # a big server's history
        con.executemany(
            "INSERT INTO faq_queries (user_id, guild_id, question, score, declined, source, asked_at)"
            " VALUES (?, ?, 'which pays more', 0.9, 0, 'slash', ?)",
            [(alice.id, departed.id, time.time())] * ROWS,
        )
    con.close()
    await fake.invoke(bob, "careerquiz", guild=stays)
    question = await fake.wait_dm(bob)
    await fake.remove_bot_from_guild(departed)
    await fake.wait_for(
        lambda: bool(db_rows(runner.db_path, "SELECT 1 FROM guild_settings WHERE left_at > 0"))
    )
    with sqlite3.connect(runner.db_path, timeout=10) as con:  # it left past the grace period
        con.execute("UPDATE guild_settings SET left_at = left_at - 31 * 86400.0 WHERE left_at > 0")
    con.close()

    bot.storage.delete_batch_rows = 50
    statements: list[str] = []
    first_batch, go_on = threading.Event(), threading.Event()

    def trace(sql: str) -> None:  # runs on the writer's thread
        statements.append(sql)
        if sql.startswith("DELETE FROM faq_queries") and not first_batch.is_set():
            first_batch.set()
            go_on.wait(10)  # hold the first batch until bob's click has reached the bot

    await bot.storage.db.set_trace_callback(trace)
    arrived = asyncio.Event()

    async def on_interaction(_: discord.Interaction) -> None:
        arrived.set()

    bot.add_listener(on_interaction)
    deleting = asyncio.create_task(sweep(bot.storage, bot.settings, time.time()))
    assert await asyncio.to_thread(first_batch.wait, 10)
    click = asyncio.create_task(fake.click(bob, question, option_ids(question)[0], timeout=15))
    await asyncio.wait_for(arrived.wait(), 10)
    go_on.set()
    res = await click
    swept = await deleting
    await bot.storage.db.set_trace_callback(None)

    assert swept.deleted_guilds == [departed.id]
    assert (
        res.error is None
        and res.message.embeds
        and res.message.embeds[0]["title"].endswith("Question 2 of 13")
    ), res.content
    assert db_rows(runner.db_path, "SELECT count(*) FROM quiz_answers") == [(1,)]
    assert db_rows(runner.db_path, "SELECT count(*) FROM faq_queries") == [(0,)]
    deletes = [i for i, s in enumerate(statements) if s.startswith("DELETE FROM faq_queries")]
    assert len(deletes) >= ROWS // 50, "one short transaction per batch"
    saved = next(i for i, s in enumerate(statements) if "INTO quiz_answers" in s)
    assert deletes[0] < saved < deletes[-1], "the click was saved between two batches"


async def test_a_fresh_ready_settles_servers_without_scanning_sessions(
    fake: FakeDiscord, runner: BotRunner
) -> None:
    guild = fake.add_guild(name="Career Hub")
    alice = fake.add_user("alice")
    fake.add_member(guild, alice)
    bot = await runner.start()
    await fake.invoke(alice, "faq", guild=guild, options={"question": "which pays more"})
    statements: list[str] = []
    await bot.storage.db.set_trace_callback(statements.append)
    fake.gateway.sessions.clear()  # Discord forgot the session: the resume fails, a new READY follows
    await fake.drop_gateway()
    await fake.wait_for(lambda: any("INSERT INTO guild_settings" in s for s in statements), timeout=15)
    await bot.storage.db.set_trace_callback(None)
    assert fake.gateway.identifies == 2
    settle = next(s for s in statements if "INSERT INTO guild_settings" in s)
    with sqlite3.connect(runner.db_path) as con:
        plan = [row[3] for row in con.execute(f"EXPLAIN QUERY PLAN {settle}")]
    con.close()
    # Under the writer lock, the cost must follow the number of servers: index probes, no scan.
    scans = [
        step
        for step in plan
        if step.startswith("SCAN") and ("quiz_sessions" in step or "faq_queries" in step)
    ]
    assert scans == [], plan
    assert any("SEARCH quiz_sessions" in step for step in plan), plan


def _overlapping_reads(path: str, stop: threading.Event, reads: list[int]) -> None:
    """Two connections reading in turn so that one is always inside a read transaction, as moderators'
    summaries back to back are: no write ever finds the log free of readers."""
    cons = [sqlite3.connect(path, isolation_level=None) for _ in range(2)]
    open_one = 0
    cons[0].execute("BEGIN")
    cons[0].execute("SELECT count(*) FROM quiz_sessions").fetchall()
    while not stop.is_set():
        other = cons[1 - open_one]
        other.execute("BEGIN")
        other.execute("SELECT count(*) FROM quiz_sessions").fetchall()
        cons[open_one].execute("COMMIT")  # the other one is open before this one closes
        open_one = 1 - open_one
        reads.append(1)
    cons[open_one].execute("COMMIT")
    for con in cons:
        con.close()


async def test_the_wal_stays_bounded_under_writes_and_reads_that_always_overlap(tmp_path: Path) -> None:
    # bench.stats measured the -wal file at 411 MB with answers and summaries back to back: the log
    # was folded back but never started again from the top. Now it stays near the restart length.
    from bot.storage import Storage

    path = tmp_path / "c.sqlite3"
    storage = Storage(path)
    await storage.open()
    stop, reads = threading.Event(), list[int]()
    reader = threading.Thread(target=_overlapping_reads, args=(str(path), stop, reads))
    try:
        session = await storage.start_session(
            user_id=1, guild_id=7, origin_channel_id=None, quiz_version="v", mode="dm", now=1.0
        )
        reader.start()
        largest, position = 0, 0
        for i in range(6000):  # ~16 KB of log each: ~96 MB if the log were never restarted
            answer = (f"q{position}", "a") if position < 12 else None
            nxt = position + 1 if position < 12 else 0  # rewind, as Back does, to stay active
            assert await storage.save_progress(
                session.id,
                expect_position=position,
                position=nxt,
                status="active",
                now=2.0 + i,
                answer=answer,
            )
            position = nxt
            largest = max(largest, os.stat(f"{path}-wal").st_size)
        assert reads, "the readers ran beside the writes"
    finally:
        stop.set()
        reader.join()
        await storage.close()
    assert largest < 32 * 2**20, f"-wal file reached {largest / 2**20:.0f} MB"
