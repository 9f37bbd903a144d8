"""Hostile input, end to end: path roles that would hand out powers, and text no encoder accepts."""

from __future__ import annotations

from typing import Any

import pytest

from fakediscord import FakeDiscord
from fakediscord.permissions import DEFAULT_BOT, MANAGE_GUILD, MANAGE_ROLES, MENTION_EVERYONE
from tests.conftest import BotRunner
from tests.quiz_paths import db_rows

# Permission bits @everyone lacks in a new server, none of them on the old block list.
MUTE_MEMBERS = 1 << 22
DEAFEN_MEMBERS = 1 << 23
MOVE_MEMBERS = 1 << 24
MANAGE_NICKNAMES = 1 << 27
VIEW_AUDIT_LOG = 1 << 7
MANAGE_THREADS = 1 << 34
MANAGE_EVENTS = 1 << 33


@pytest.mark.parametrize(
    ("bit", "shown"),
    [
        (MUTE_MEMBERS, "mute members"),
        (DEAFEN_MEMBERS, "deafen members"),
        (MOVE_MEMBERS, "move members"),
        (MANAGE_THREADS, "manage threads"),
        (MANAGE_NICKNAMES, "manage nicknames"),
        (VIEW_AUDIT_LOG, "view audit log"),
        (MANAGE_EVENTS, "manage events"),
    ],
)
async def test_a_path_role_may_carry_nothing_everyone_lacks(
    fake: FakeDiscord, runner: BotRunner, bit: int, shown: str
) -> None:
    guild = fake.add_guild(name="Career Hub", bot_permissions=DEFAULT_BOT | MANAGE_ROLES)
    mods = fake.add_role(guild, "Mods", permissions=MANAGE_GUILD | MANAGE_ROLES)
    mod = fake.add_user("mod")
    fake.add_member(guild, mod, roles=[mods])
    risky = fake.add_role(guild, "AI path", permissions=bit)
    # What everyone already has is fine (pinging everyone stays refused as moderator-level).
    plain = fake.add_role(guild, "ML path", permissions=guild.everyone.permissions & ~MENTION_EVERYONE)
    await runner.start()

    async def set_roles(**options: Any) -> Any:
        return await fake.invoke(mod, "careerbot-config path-roles", guild=guild, options=options)

    refused = await set_roles(ai=risky)
    assert refused.ephemeral
    assert f"<@&{risky.id}> carries permissions @everyone lacks here ({shown})" in refused.content
    assert "Path roles saved" in (await set_roles(ml=plain)).content
    assert db_rows(runner.db_path, "SELECT path_role_ai, path_role_ml FROM guild_settings") == [
        (None, plain.id)
    ]


LONE = "\udcff"


async def test_a_lone_surrogate_in_faq_is_answered_and_stored(fake: FakeDiscord, runner: BotRunner) -> None:
    guild = fake.add_guild(name="Career Hub")
    alice = fake.add_user("alice")
    fake.add_member(guild, alice)
    await runner.start()
    res = await fake.invoke(
        alice, "faq", guild=guild, options={"question": f"which {LONE}pays more\x00\x1b?"}
    )
    assert res.error is None and res.embeds, res.content
    assert "Something went wrong" not in (res.content or "")
    assert db_rows(runner.db_path, "SELECT question FROM faq_queries") == [("which pays more?",)]


async def test_a_lone_surrogate_in_a_mention_is_answered_and_stored(
    fake: FakeDiscord, runner: BotRunner
) -> None:
    guild = fake.add_guild(name="Career Hub")
    alice = fake.add_user("alice")
    fake.add_member(guild, alice)
    await runner.start()
    await fake.send_message(alice, guild.general, f"what skills{LONE} does an ML engineer need?", guild=guild)
    reply = await fake.wait_channel_message(guild.general.id)
    assert reply.embeds and "skill" in reply.embeds[0]["title"].lower()
    assert db_rows(runner.db_path, "SELECT question FROM faq_queries") == [
        ("what skills does an ML engineer need?",)
    ]
