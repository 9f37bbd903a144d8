"""DATABASE_POOL_SIZE bounds the PostgreSQL connections one process opens for members, and members
crowding a small pool still have every click saved (they queue for a connection, none is refused)."""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg

from fakediscord import FakeDiscord
from tests.conftest import BotRunner, pg_app
from tests.quiz_paths import AI_PATH, answer_all, db_rows

MEMBERS = 12


async def journey(fake: FakeDiscord, user: Any, guild: Any) -> Any:
    res = await fake.invoke(user, "careerquiz", guild=guild)
    assert "Check your DMs" in res.content, res.content
    return await answer_all(fake, user, await fake.wait_dm(user), AI_PATH[:3])


async def test_members_share_at_most_the_configured_connections(
    fake: FakeDiscord, runner_pg: BotRunner
) -> None:
    runner = runner_pg
    assert isinstance(runner.db_path, str)
    guild = fake.add_guild(name="Career Hub")
    users = [fake.add_user(f"member{i}") for i in range(MEMBERS)]
    for user in users:
        fake.add_member(guild, user)
    await runner.start(database_pool_size=2)

    finals = await asyncio.gather(*(journey(fake, user, guild) for user in users))

    assert {m.embeds[0]["title"] for m in finals} == {"Career quiz · Question 4 of 13"}
    assert db_rows(runner.db_path, "SELECT count(*) FROM quiz_answers") == [(3 * MEMBERS,)]
    admin = await asyncpg.connect(runner.db_path)
    try:
        opened = await admin.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = $1 AND pid <> pg_backend_pid()",
            pg_app(runner),
        )
    finally:
        await admin.close()
    assert 1 < opened <= 2 + 1
