"""A database that turns read-only while the bot runs (issue 9 §2): the member is told the answer was
not saved and to click again, one log line with a reference per click and no traceback, nothing stored
is lost, and the next click after the fault clears works.

The fault is injected at the database level: ``PRAGMA query_only`` on the bot's own writer connection.
Tests run as root here, which ignores file modes, so a chmod would not make the file read-only; and
SQLite reports query_only writes with the same SQLITE_READONLY error ("attempt to write a readonly
database") that a read-only file or mount gives, so the bot's handling is exercised as it would be.
On PostgreSQL, a connection dropped in the middle of a click is in tests/test_faults_storage.py; here,
every connection cut between clicks (a server restart, a failover) goes unnoticed by the member.
"""

from __future__ import annotations

import asyncio
import logging

import asyncpg
import pytest

from fakediscord import FakeDiscord
from tests.conftest import BotRunner, pg_app
from tests.quiz_paths import AI_PATH, answer_all, db_rows, option_ids


async def test_a_database_turned_read_only_tells_the_member_to_click_again(
    fake: FakeDiscord, runner: BotRunner, caplog: pytest.LogCaptureFixture
) -> None:
    guild = fake.add_guild(name="Career Hub")
    alice, bob = fake.add_user("alice"), fake.add_user("bob")
    fake.add_member(guild, alice)
    fake.add_member(guild, bob)
    bot = await runner.start()
    await fake.invoke(alice, "careerquiz", guild=guild)
    dm = await answer_all(fake, alice, await fake.wait_dm(alice), AI_PATH[:2])
    title = dm.embeds[0]["title"]

    caplog.set_level(logging.WARNING, logger="careerbot")
    await bot.storage.db.execute("PRAGMA query_only = 1")
    for _ in range(2):
        res = await fake.click(alice, dm, option_ids(dm)[AI_PATH[2]])
        assert res.error is None, res.error
        assert res.ephemeral
        assert "Your answer was not saved: please click again." in res.content
        assert "reference `" in res.content
    # A new member's start is refused the same way (it writes a session), not with the generic error.
    start = await fake.invoke(bob, "careerquiz", guild=guild)
    assert "not saved: please click again" in start.content and "Something went wrong" not in start.content

    # Nothing moved: still two answers, one session, the DM still shows question 3.
    assert db_rows(runner.db_path, "SELECT count(*) FROM quiz_answers") == [(2,)]
    assert db_rows(runner.db_path, "SELECT count(*) FROM quiz_sessions") == [(1,)]
    shown = [m for m in fake.channel_messages(dm.channel_id) if m.id == dm.id]
    assert shown[0].embeds[0]["title"] == title
    # One line per refused action, each with its reference; no traceback, nothing at ERROR.
    lines = [r for r in caplog.records if "storage unavailable" in r.getMessage()]
    assert len(lines) == 3
    assert all(
        r.exc_info is None and "ref=" in r.getMessage() and "readonly" in r.getMessage() for r in lines
    )
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]

    # Writable again: the same click now works and the quiz carries on.
    await bot.storage.db.execute("PRAGMA query_only = 0")
    res = await fake.click(alice, dm, option_ids(dm)[AI_PATH[2]])
    assert res.error is None and res.message is not None
    assert res.message.embeds[0]["title"] == "Career quiz · Question 4 of 13"
    assert db_rows(runner.db_path, "SELECT count(*) FROM quiz_answers") == [(3,)]


async def test_every_postgresql_connection_cut_while_idle_the_next_click_just_works(
    fake: FakeDiscord, runner_pg: BotRunner, caplog: pytest.LogCaptureFixture
) -> None:
    # A server restart or a failover cuts all of the bot's connections between clicks: the pool
    # replaces them on the next checkout, so the member notices nothing and nothing stored is lost.
    runner = runner_pg
    assert isinstance(runner.db_path, str)
    app = pg_app(runner)
    guild = fake.add_guild(name="Career Hub")
    alice = fake.add_user("alice")
    fake.add_member(guild, alice)
    bot = await runner.start()
    await fake.invoke(alice, "careerquiz", guild=guild)
    dm = await answer_all(fake, alice, await fake.wait_dm(alice), AI_PATH[:2])
    # A busy moment earlier left several idle connections in the pool; a restart ends every one.
    busy = [await bot.storage._pool.acquire() for _ in range(3)]
    for conn in busy:
        await bot.storage._pool.release(conn)

    caplog.set_level(logging.WARNING, logger="careerbot")
    admin = await asyncpg.connect(runner.db_path)
    try:
        pids = await admin.fetchval(
            "SELECT array_agg(pid) FROM pg_stat_activity WHERE application_name = $1 AND pid <> pg_backend_pid()",
            app,
        )
        assert pids
        await admin.execute("SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) AS pid", pids)
        # Wait for the server to have ended them (it offers no event for that; the bot is not asked).
        alive = "SELECT count(*) FROM pg_stat_activity WHERE pid = ANY($1::int[])"
        async with asyncio.timeout(10):
            while await admin.fetchval(alive, pids):  # noqa: ASYNC110
                await asyncio.sleep(0.02)
    finally:
        await admin.close()
    res = await fake.click(alice, dm, option_ids(dm)[AI_PATH[2]])
    assert res.error is None and res.message is not None, res.content
    assert res.message.embeds[0]["title"] == "Career quiz · Question 4 of 13"
    assert db_rows(runner.db_path, "SELECT count(*) FROM quiz_answers") == [(3,)]
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
