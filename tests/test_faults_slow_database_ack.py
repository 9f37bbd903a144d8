"""A slow database must not cost the member the interaction (issue 9 §7, issue 13): under load on
PostgreSQL, clicks waited for a pooled connection before anything acknowledged them, and Discord
failed them after 3 s (10062) although their answers were saved.

The delay is injected at the database level by another session of the test's own: on PostgreSQL an
ACCESS EXCLUSIVE lock on quiz_sessions, which blocks reads as well as writes (as an exhausted pool
blocks every query); on SQLite another connection's write lock (BEGIN IMMEDIATE). The fake fails any
acknowledgement that reaches it more than 3 s after the member acted, so ``error is None`` is the
in-time proof. The test waits on the fake seeing the acknowledgement, never on a sleep.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fakediscord import FakeDiscord
from tests.conftest import BotRunner
from tests.quiz_paths import AI_PATH, db_rows, option_ids

BOTH_BACKENDS = True


@asynccontextmanager
async def slow_database(target: Path | str) -> AsyncIterator[None]:
    """Every query the bot makes on quiz sessions (PostgreSQL) or every write (SQLite) waits until exit."""
    if isinstance(target, str):
        import asyncpg

        con = await asyncpg.connect(target)
        try:
            async with con.transaction():
                await con.execute("LOCK TABLE quiz_sessions IN ACCESS EXCLUSIVE MODE")
                yield
        finally:
            await con.close()
        return
    # Off the event loop: the bot's own housekeeping may be mid-transaction and needs the loop to commit.
    con3 = sqlite3.connect(target, isolation_level=None, check_same_thread=False)
    try:
        await asyncio.to_thread(con3.execute, "BEGIN IMMEDIATE")
        yield
        con3.execute("ROLLBACK")
    finally:
        con3.close()


async def acknowledged(fake: FakeDiscord, index: int) -> int:
    """The callback type of the fake's ``index``-th interaction, once the bot has acknowledged it."""
    await fake.wait_for(
        lambda: len(fake.interactions) > index and fake.interactions[index].callback_type is not None, 10
    )
    result = fake.interactions[index]
    assert result.error is None and not result.expired, result.error
    assert result.callback_type is not None
    return result.callback_type


async def test_a_slow_database_still_acknowledges_the_start_and_the_click_in_time(
    fake: FakeDiscord, runner: BotRunner
) -> None:
    guild = fake.add_guild(name="Career Hub")
    alice, bob = fake.add_user("alice"), fake.add_user("bob")
    fake.add_member(guild, alice)
    fake.add_member(guild, bob)
    await runner.start()
    await fake.invoke(alice, "careerquiz", guild=guild)
    dm = await fake.wait_dm(alice)

    async with slow_database(runner.db_path):
        click_at = len(fake.interactions)
        click = asyncio.create_task(fake.click(alice, dm, option_ids(dm)[AI_PATH[0]], timeout=30))
        # Deferred (type 6: the message will be edited), within the deadline, while the database waits.
        assert await acknowledged(fake, click_at) == 6
        start_at = len(fake.interactions)
        start = asyncio.create_task(fake.invoke(bob, "careerquiz", guild=guild, timeout=30))
        assert await acknowledged(fake, start_at) == 5  # "thinking…", ephemeral in the server
        assert not click.done() and not start.done()  # nothing could be saved yet
    res = await click
    assert res.error is None and res.message is not None
    assert res.message.embeds[0]["title"] == "Career quiz · Question 2 of 13"
    started = await start
    assert started.error is None and "Check your DMs" in started.content
    assert db_rows(runner.db_path, "SELECT count(*) FROM quiz_answers") == [(1,)]
    assert db_rows(runner.db_path, "SELECT count(*) FROM quiz_sessions") == [(2,)]
