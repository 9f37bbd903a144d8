"""Storage faults: a file that is not a database, and a write lock held by another process.

The first is the real process (exit code and the one line on stderr); the second is the real bot
against the fake Discord, with a second SQLite connection holding the write lock.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import sqlite3
import struct
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from fakediscord import FakeDiscord
from tests.conftest import BotRunner, hold_database, pg_app
from tests.quiz_paths import AI_PATH, answer_all, db_rows, option_ids
from tests.test_process import bot_env, run

NOT_A_DATABASE = {
    "header then junk": b"SQLite format 3\x00" + b"\xff\x13junk" * 2000,
    "random bytes": os.urandom(4096 * 3),
}


@pytest.mark.parametrize("content", list(NOT_A_DATABASE.values()), ids=list(NOT_A_DATABASE))
async def test_a_file_that_is_not_sqlite_exits_2_with_one_line(
    fake: FakeDiscord, tmp_path: Path, content: bytes
) -> None:
    db = tmp_path / "bot.sqlite3"
    db.write_bytes(content)
    env = bot_env(
        tmp_path,
        DISCORD_TOKEN=fake.token,
        DISCORD_API_BASE_URL=fake.api_base,
        DISCORD_GATEWAY_URL=fake.gateway_url,
    )
    code, _out, err = await run(env, "run")
    assert code == 2, err
    # discord.py's own log lines (logging in, voice notices) may come first; ours is one line, last.
    lines = [line for line in err.strip().splitlines() if line.startswith("careerbot:")]
    assert len(lines) == 1 and err.strip().endswith(lines[0]), err
    line = lines[0]
    assert str(db) in line
    assert "is not a careerbot database (file is not a database)" in line
    assert "careerbot db backup" in line and "move it aside" in line
    assert "Traceback" not in err
    assert db.read_bytes() == content, "the file is left as it was"


@asynccontextmanager
async def write_lock(path: Path | str) -> AsyncIterator[sqlite3.Connection]:
    """Another process's writer: holds SQLite's write lock until the block ends. Taken off the event
    loop: the bot's own housekeeping may be mid-transaction, and it needs the loop to commit."""
    con = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    await asyncio.to_thread(con.execute, "BEGIN IMMEDIATE")
    try:
        yield con
    finally:
        con.execute("ROLLBACK")
        con.close()


async def test_a_held_write_lock_tells_the_member_to_click_again(
    fake: FakeDiscord, runner: BotRunner, caplog: pytest.LogCaptureFixture
) -> None:
    guild = fake.add_guild(name="Career Hub")
    alice = fake.add_user("alice")
    fake.add_member(guild, alice)
    await runner.start(database_busy_timeout_ms=200)
    await fake.invoke(alice, "careerquiz", guild=guild)
    dm = await fake.wait_dm(alice)
    dm = await answer_all(fake, alice, dm, AI_PATH[:2])
    title = dm.embeds[0]["title"]

    caplog.set_level(logging.WARNING, logger="careerbot")
    async with write_lock(runner.db_path):
        for _ in range(3):
            res = await fake.click(alice, dm, option_ids(dm)[AI_PATH[2]])
            assert res.error is None, res.error
            assert res.ephemeral
            assert "Your answer was not saved: please click again." in res.content
            assert "reference `" in res.content
    # Nothing moved while the lock was held: still two answers, the DM still shows question 3.
    assert db_rows(runner.db_path, "SELECT count(*) FROM quiz_answers")[0][0] == 2
    shown = [m for m in fake.channel_messages(dm.channel_id) if m.id == dm.id]
    assert shown[0].embeds[0]["title"] == title
    # One log line per click, each with its reference, and no traceback.
    storage_lines = [r for r in caplog.records if "storage unavailable" in r.getMessage()]
    assert len(storage_lines) == 3
    assert all(r.exc_info is None and "ref=" in r.getMessage() for r in storage_lines)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]

    # The lock is gone: the same click now works and the quiz carries on.
    res = await fake.click(alice, dm, option_ids(dm)[AI_PATH[2]])
    assert res.error is None and res.message is not None
    assert res.message.embeds[0]["title"] == "Career quiz · Question 4 of 13"
    assert db_rows(runner.db_path, "SELECT count(*) FROM quiz_answers")[0][0] == 3


SECRET = "s3cret-Pa55"


class PasswordRefusingPostgres:
    """A loopback server speaking just enough of PostgreSQL's protocol to ask for a password and
    refuse it (SQLSTATE 28P01), as a server with password authentication does on a wrong one."""

    def __init__(self) -> None:
        self.passwords: list[bytes] = []
        self.server: asyncio.Server | None = None

    async def __aenter__(self) -> int:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return int(self.server.sockets[0].getsockname()[1])

    async def __aexit__(self, *exc: object) -> None:
        assert self.server is not None
        self.server.close()
        await self.server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                (length,) = struct.unpack("!I", await reader.readexactly(4))
                body = await reader.readexactly(length - 4)
                if struct.unpack("!I", body[:4])[0] == 80877103:  # SSLRequest: no TLS here
                    writer.write(b"N")
                    continue
                break  # the StartupMessage
            writer.write(b"R" + struct.pack("!II", 8, 3))  # AuthenticationCleartextPassword
            await writer.drain()
            kind, (length,) = await reader.readexactly(1), struct.unpack("!I", await reader.readexactly(4))
            assert kind == b"p"
            self.passwords.append((await reader.readexactly(length - 4)).rstrip(b"\0"))
            fields = b'SFATAL\0VFATAL\0C28P01\0Mpassword authentication failed for user "careerbot"\0\0'
            writer.write(b"E" + struct.pack("!I", len(fields) + 4) + fields)
            await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


async def start_against(fake: FakeDiscord, tmp_path: Path, database_url: str) -> tuple[int, str]:
    env = bot_env(
        tmp_path,
        DISCORD_TOKEN=fake.token,
        DISCORD_API_BASE_URL=fake.api_base,
        DISCORD_GATEWAY_URL=fake.gateway_url,
        DATABASE_URL=database_url,
    )
    code, out, err = await run(env, "run")
    assert SECRET not in out + err, "the password was printed"
    lines = [line for line in err.strip().splitlines() if line.startswith("careerbot:")]
    assert len(lines) == 1 and err.strip().endswith(lines[0]) and "Traceback" not in err, err
    return code, lines[0]


async def test_unreachable_postgresql_exits_1_naming_host_and_port(fake: FakeDiscord, tmp_path: Path) -> None:
    # A port nothing listens on: the connection is refused at once.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    code, line = await start_against(
        fake, tmp_path, f"postgresql://careerbot:{SECRET}@127.0.0.1:{port}/careerbot"
    )
    assert code == 1
    assert f"cannot reach PostgreSQL at 127.0.0.1:{port}" in line


async def test_wrong_postgresql_password_exits_2(fake: FakeDiscord, tmp_path: Path) -> None:
    server = PasswordRefusingPostgres()
    async with server as port:
        code, line = await start_against(
            fake, tmp_path, f"postgresql://careerbot:{SECRET}@127.0.0.1:{port}/careerbot"
        )
    assert server.passwords == [SECRET.encode()], "the server was asked, with the URL's password"
    assert code == 2
    assert f"PostgreSQL at 127.0.0.1:{port} refused the login" in line
    assert "DATABASE_URL" in line


async def test_a_malformed_database_url_is_refused_without_echoing_it(tmp_path: Path) -> None:
    env = bot_env(tmp_path, DATABASE_URL=f"mysql://root:{SECRET}@db/careerbot")
    code, out, err = await run(env, "check")
    assert code == 2
    assert SECRET not in out + err
    assert (
        err.strip()
        == "careerbot: setting DATABASE_URL: Value error, must start with sqlite:/// or postgresql:// (see .env.example)"
    )


async def until(check: Callable[[], Awaitable[Any]]) -> None:
    """Re-check a condition inside PostgreSQL (not the bot's reply) until it holds: the server offers
    no event to wait on for "a session is waiting on a lock"."""
    while not await check():  # noqa: ASYNC110
        await asyncio.sleep(0.02)


async def test_a_dropped_postgresql_connection_is_not_saved_then_reconnects(
    fake: FakeDiscord, runner_pg: BotRunner, caplog: pytest.LogCaptureFixture
) -> None:
    runner = runner_pg
    assert isinstance(runner.db_path, str)
    app = pg_app(runner)
    guild = fake.add_guild(name="Career Hub")
    alice = fake.add_user("alice")
    fake.add_member(guild, alice)
    await runner.start()
    await fake.invoke(alice, "careerquiz", guild=guild)
    dm = await answer_all(fake, alice, await fake.wait_dm(alice), AI_PATH[:2])

    caplog.set_level(logging.WARNING, logger="careerbot")
    admin = await asyncpg.connect(runner.db_path)
    try:
        # Catch the bot's click in the middle of its transaction (waiting on a lock), then cut it off.
        async with hold_database(runner):
            click = asyncio.create_task(fake.click(alice, dm, option_ids(dm)[AI_PATH[2]], timeout=10))
            waiting = "SELECT count(*) FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'"
            async with asyncio.timeout(10):
                await until(lambda: admin.fetchval(waiting, app))
            await admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1"
                " AND wait_event_type = 'Lock'",
                app,
            )
            res = await click
    finally:
        await admin.close()
    assert res.error is None, res.error
    assert "Your answer was not saved: please click again." in (
        res.content + "".join(m.content for m in res.followups)
    )
    assert [r for r in caplog.records if "storage unavailable" in r.getMessage()]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert db_rows(runner.db_path, "SELECT count(*) FROM quiz_answers")[0][0] == 2, "nothing stored was lost"

    # The pool replaces the dropped connection: the same click now works.
    res = await fake.click(alice, dm, option_ids(dm)[AI_PATH[2]])
    assert res.error is None and res.message is not None
    assert res.message.embeds[0]["title"] == "Career quiz · Question 4 of 13"
    assert db_rows(runner.db_path, "SELECT count(*) FROM quiz_answers")[0][0] == 3


async def test_a_write_cancelled_at_its_begin_leaves_no_transaction_open(tmp_path: Path) -> None:
    # A task cancelled while its BEGIN waits on aiosqlite's thread (what shutdown does to a housekeeping
    # pass) must not leave that transaction open: every later write would fail with "cannot start a
    # transaction within a transaction".
    from bot.storage import Storage

    storage = Storage(tmp_path / "c.sqlite3")
    await storage.open()
    try:
        for _ in range(20):
            task = asyncio.create_task(storage.try_lease("job", "a", 90, 0.0))
            await asyncio.sleep(0)  # one step: the task takes the lock and waits on its BEGIN
            assert storage._lock.locked()
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            assert await storage.try_lease("job", "a", 90, 0.0)
            await storage.release_exclusive("job", "a")
        assert await storage.lease_holder("job", 1.0) is None
    finally:
        await storage.close()
