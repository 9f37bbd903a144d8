"""Storage faults: a file that is not a database, and a write lock held by another process.

The first is the real process (exit code and the one line on stderr); the second is the real bot
against the fake Discord, with a second SQLite connection holding the write lock.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from fakediscord import FakeDiscord
from tests.conftest import BotRunner
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


@contextmanager
def write_lock(path: Path) -> Iterator[sqlite3.Connection]:
    """Another process's writer: holds SQLite's write lock until the block ends."""
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("BEGIN IMMEDIATE")
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
    with write_lock(runner.db_path):
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
