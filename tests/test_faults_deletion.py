"""Deleted means gone from the files: the raw bytes of the database, -wal and -shm hold no trace."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from bot.housekeeping import sweep
from fakediscord import FakeDiscord
from tests.conftest import BotRunner
from tests.quiz_paths import AI_PATH, answer_all, db_rows

MARKER = "quokkazebra"


def traces(db_path: Path, *needles: bytes) -> dict[str, list[bytes]]:
    """Which of ``needles`` each of the database's files still holds, byte for byte."""
    found: dict[str, list[bytes]] = {}
    for suffix in ("", "-wal", "-shm"):
        file = db_path.with_name(db_path.name + suffix)
        data = file.read_bytes() if file.exists() else b""
        hits = [n for n in needles if n in data]
        if hits:
            found[file.name] = hits
    return found


def member_bytes(user_id: int) -> tuple[bytes, ...]:
    # SQLite stores a snowflake as an 8-byte big-endian integer; JSON or text columns as digits.
    return user_id.to_bytes(8, "big"), str(user_id).encode()


async def ask(fake: FakeDiscord, user: Any, guild: Any) -> None:
    res = await fake.invoke(user, "faq", guild=guild, options={"question": f"{MARKER} which one pays more"})
    assert res.embeds, res.content


async def test_forget_leaves_no_bytes_behind(fake: FakeDiscord, runner: BotRunner) -> None:
    guild = fake.add_guild(name="Career Hub")
    alice, bob = fake.add_user("alice"), fake.add_user("bob")
    fake.add_member(guild, alice)
    fake.add_member(guild, bob)
    await runner.start()
    await fake.invoke(alice, "careerquiz", guild=guild)
    await answer_all(fake, alice, await fake.wait_dm(alice), AI_PATH)
    await ask(fake, alice, guild)
    await fake.invoke(bob, "faq", guild=guild, options={"question": "do I need a PhD"})
    assert traces(runner.db_path, MARKER.encode(), *member_bytes(alice.id)), "the test must see data first"

    forget = await fake.invoke(alice, "careerbot forget", guild=guild)
    confirm = next(cid for cid in forget.custom_ids() if cid.startswith("cbf:"))
    done = await fake.click(alice, forget.message, confirm)
    assert "everything I stored about you is deleted" in done.content
    # Checked as soon as the member reads the confirmation, before any housekeeping runs.
    assert traces(runner.db_path, MARKER.encode(), *member_bytes(alice.id)) == {}
    assert db_rows(runner.db_path, "SELECT question FROM faq_queries") == [("do I need a PhD",)]


async def test_retention_purge_leaves_no_bytes_behind(fake: FakeDiscord, runner: BotRunner) -> None:
    guild = fake.add_guild(name="Career Hub")
    alice = fake.add_user("alice")
    fake.add_member(guild, alice)
    bot = await runner.start()
    await ask(fake, alice, guild)
    assert traces(runner.db_path, MARKER.encode())
    swept = await sweep(bot.storage, bot.settings, time.time() + 91 * 86400)
    assert swept.purged_questions == 1
    assert traces(runner.db_path, MARKER.encode()) == {}


async def test_guild_deletion_leaves_no_bytes_behind(fake: FakeDiscord, runner: BotRunner) -> None:
    guild = fake.add_guild(name="Career Hub")
    alice = fake.add_user("alice")
    fake.add_member(guild, alice)
    bot = await runner.start()
    await fake.invoke(alice, "careerquiz", guild=guild)
    await answer_all(fake, alice, await fake.wait_dm(alice), AI_PATH)
    await ask(fake, alice, guild)
    await fake.remove_bot_from_guild(guild)
    await fake.wait_for(
        lambda: bool(db_rows(runner.db_path, "SELECT 1 FROM guild_settings WHERE left_at > 0"))
    )
    swept = await sweep(bot.storage, bot.settings, time.time() + 31 * 86400)
    assert swept.deleted_guilds == [guild.id]
    assert traces(runner.db_path, MARKER.encode(), *member_bytes(alice.id)) == {}
