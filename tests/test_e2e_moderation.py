"""Moderator config, path roles, mention settings, members' own data, and housekeeping, end to end."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import pytest

from bot.housekeeping import sweep
from fakediscord import FakeDiscord
from fakediscord.permissions import DEFAULT_BOT, MANAGE_GUILD, MANAGE_ROLES
from tests.conftest import BotRunner, make_settings
from tests.quiz_paths import AI_PATH, answer_all, db_rows

BOTH_BACKENDS = True


@dataclass
class Server:
    guild: Any
    mod: Any
    alice: Any
    helpers: Any  # a role that is not a moderator role until configured


@pytest.fixture
def server(fake: FakeDiscord) -> Server:
    guild = fake.add_guild(name="Career Hub", bot_permissions=DEFAULT_BOT | MANAGE_ROLES)
    mods = fake.add_role(guild, "Mods", permissions=MANAGE_GUILD | MANAGE_ROLES)
    helpers = fake.add_role(guild, "Helpers")
    mod, alice = fake.add_user("mod"), fake.add_user("alice")
    fake.add_member(guild, mod, roles=[mods])
    fake.add_member(guild, alice, roles=[helpers])
    return Server(guild, mod, alice, helpers)


async def test_non_moderator_is_refused_even_when_defaults_are_overridden(
    fake: FakeDiscord, runner: BotRunner, server: Server
) -> None:
    await runner.start()
    from fakediscord import ClientRefused

    with pytest.raises(ClientRefused):  # Discord's client hides it by default...
        await fake.invoke(server.alice, "careerbot-config show", guild=server.guild)
    # ...but an admin can override that; the bot's own check still holds.
    res = await fake.invoke(
        server.alice, "careerbot-config show", guild=server.guild, bypass_client_checks=True
    )
    assert res.ephemeral and "Only this server's moderators" in res.content and not res.embeds


async def test_configured_moderator_role_is_allowed(
    fake: FakeDiscord, runner: BotRunner, server: Server
) -> None:
    await runner.start()
    res = await fake.invoke(
        server.mod,
        "careerbot-config moderator-role",
        guild=server.guild,
        options={"action": "add", "role": server.helpers},
    )
    assert f"<@&{server.helpers.id}>" in str(res.embeds[0]["fields"])
    shown = await fake.invoke(
        server.alice, "careerbot-config show", guild=server.guild, bypass_client_checks=True
    )
    assert shown.embeds and shown.embeds[0]["title"].startswith("careerbot settings")
    assert db_rows(runner.db_path, "SELECT moderator_roles FROM guild_settings") == [
        (f"[{server.helpers.id}]",)
    ]


async def test_path_roles_refusals_and_opt_in(fake: FakeDiscord, runner: BotRunner, server: Server) -> None:
    guild = server.guild
    managed = fake.add_role(guild, "Booster", managed=True)
    too_high = fake.add_role(guild, "Admins", position=guild.bot_role.position + 1)
    ai_role = fake.add_role(guild, "AI path")
    await runner.start()

    async def set_roles(**options: Any) -> Any:
        return await fake.invoke(server.mod, "careerbot-config path-roles", guild=guild, options=options)

    assert "@everyone can't be a path role" in (await set_roles(ai=guild.id)).content
    assert "managed by an integration" in (await set_roles(ai=managed)).content
    assert "above my highest role" in (await set_roles(ml=too_high)).content
    staff = fake.add_role(guild, "Staff", permissions=MANAGE_GUILD)
    assert "moderator-level permissions" in (await set_roles(hybrid=staff)).content
    ml_role = fake.add_role(guild, "ML path")
    await set_roles(ml=ml_role)
    ok = await set_roles(ai=ai_role)
    assert "Path roles saved" in ok.content
    # Naming one role leaves the others as they were.
    assert db_rows(
        runner.db_path, "SELECT path_role_ai, path_role_ml, path_role_hybrid FROM guild_settings"
    ) == [(ai_role.id, ml_role.id, None)]
    # A member with an AI result opts in with the button on their result.
    await fake.invoke(server.alice, "careerquiz", guild=guild)
    final = await answer_all(fake, server.alice, await fake.wait_dm(server.alice), AI_PATH)
    role_button = next(cid for cid in final.custom_ids() if cid.endswith(":role"))
    assert fake.member(guild, server.alice).role_ids.count(ai_role.id) == 0, "never automatic"
    res = await fake.click(server.alice, final, role_button)
    assert "you now have the **AI path** role" in res.content
    assert ai_role.id in fake.member(guild, server.alice).role_ids
    # Forgetting takes the role back.
    forget = await fake.invoke(server.alice, "careerbot forget", guild=guild)
    confirm = next(cid for cid in forget.custom_ids() if cid.startswith("cbf:"))
    done = await fake.click(server.alice, forget.message, confirm)
    assert "everything I stored about you is deleted" in done.content
    assert ai_role.id not in fake.member(guild, server.alice).role_ids


async def test_delegated_moderators_cannot_escalate(
    fake: FakeDiscord, runner: BotRunner, server: Server
) -> None:
    guild = server.guild
    cosmetic = fake.add_role(guild, "AI path")
    await runner.start()
    await fake.invoke(
        server.mod,
        "careerbot-config moderator-role",
        guild=guild,
        options={"action": "add", "role": server.helpers},
    )
    # alice moderates through the Helpers role but has neither Manage Server nor Manage Roles.
    res = await fake.invoke(
        server.alice,
        "careerbot-config moderator-role",
        guild=guild,
        options={"action": "add", "role": cosmetic},
        bypass_client_checks=True,
    )
    assert "Only members with Manage Server" in res.content
    res = await fake.invoke(
        server.alice,
        "careerbot-config path-roles",
        guild=guild,
        options={"ai": cosmetic},
        bypass_client_checks=True,
    )
    assert "needs the Manage Roles permission" in res.content
    assert db_rows(runner.db_path, "SELECT moderator_roles, path_role_ai FROM guild_settings") == [
        (f"[{server.helpers.id}]", None)
    ]


async def test_missing_manage_roles_is_explained(fake: FakeDiscord, runner: BotRunner) -> None:
    guild = fake.add_guild(name="No roles")  # the bot lacks Manage Roles here
    owner = fake.add_user("owner")
    fake.add_member(guild, owner, owner=True)
    role = fake.add_role(guild, "ML path")
    await runner.start()
    res = await fake.invoke(owner, "careerbot-config path-roles", guild=guild, options={"ml": role})
    assert "Manage Roles" in res.content


async def test_mentions_setting_is_honoured(fake: FakeDiscord, runner: BotRunner, server: Server) -> None:
    guild = server.guild
    careers = fake.add_text_channel(guild, "careers")
    await runner.start()

    async def answered_in_dm_after(channel: Any) -> None:
        """Mention in `channel`, then in DMs (always answered); once the DM reply is out, the first was seen."""
        await fake.send_message(server.alice, channel, "which pays more?", guild=guild)
        await fake.send_message(server.alice, None, "which pays more?")
        await fake.wait_dm(server.alice)

    await fake.invoke(server.mod, "careerbot-config mentions", guild=guild, options={"enabled": False})
    await answered_in_dm_after(guild.general)
    assert db_rows(runner.db_path, "SELECT source, guild_id FROM faq_queries") == [("mention", None)]
    await fake.invoke(
        server.mod, "careerbot-config mentions", guild=guild, options={"enabled": True, "channel": careers}
    )
    await answered_in_dm_after(guild.general)
    await fake.send_message(server.alice, careers, "which pays more?", guild=guild)
    reply = await fake.wait_channel_message(careers.id)
    assert reply.embeds
    assert db_rows(runner.db_path, "SELECT count(*) FROM faq_queries WHERE guild_id IS NOT NULL") == [(1,)]
    assert [m for m in fake.channel_messages(guild.general.id) if m.author_id == fake.bot_user.id] == []
    await fake.invoke(
        server.mod,
        "careerbot-config mentions",
        guild=guild,
        options={"enabled": True, "channel": careers, "remove": True},
    )
    # The last listed channel removed: off everywhere, never silently "on everywhere".
    assert db_rows(runner.db_path, "SELECT mentions_enabled, mention_channels FROM guild_settings") == [
        (0, "[]")
    ]


async def test_mydata_lists_and_forget_removes_only_mine(
    fake: FakeDiscord, runner: BotRunner, server: Server
) -> None:
    guild = server.guild
    await runner.start()
    for user in (server.alice, server.mod):
        await fake.invoke(user, "careerquiz", guild=guild)
        await answer_all(fake, user, await fake.wait_dm(user), AI_PATH)
        await fake.invoke(user, "faq", guild=guild, options={"question": "do i need a phd"})
    mine = await fake.invoke(server.alice, "careerbot mydata")
    values = {f["name"]: f["value"] for f in mine.embeds[0]["fields"]}
    assert (
        values["Quiz sessions"] == "1"
        and values["Quiz results"] == "1"
        and values["FAQ questions asked"] == "1"
    )
    forget = await fake.invoke(server.alice, "careerbot forget")
    confirm = next(cid for cid in forget.custom_ids() if cid.startswith("cbf:"))
    refused = await fake.click(server.mod, forget.message, confirm, forge=True)
    assert "Only the member who asked" in refused.content
    await fake.click(server.alice, forget.message, confirm)
    for table in ("quiz_sessions", "quiz_results", "faq_queries"):
        assert db_rows(runner.db_path, f"SELECT DISTINCT user_id FROM {table}") == [(server.mod.id,)]
    assert db_rows(runner.db_path, "SELECT count(*) FROM quiz_answers") == [(13,)]


async def test_guild_leave_marks_then_deletes_after_grace(
    fake: FakeDiscord, runner: BotRunner, server: Server
) -> None:
    guild = server.guild
    bot = await runner.start()
    await fake.invoke(server.alice, "careerquiz", guild=guild)
    await answer_all(fake, server.alice, await fake.wait_dm(server.alice), AI_PATH)
    await fake.remove_bot_from_guild(guild)
    await fake.wait_for(
        lambda: bool(db_rows(runner.db_path, "SELECT left_at FROM guild_settings WHERE left_at IS NOT NULL"))
    )
    now = time.time()
    swept = await sweep(bot.storage, bot.settings, now)
    assert swept.deleted_guilds == [], "within the grace period nothing is deleted"
    swept = await sweep(bot.storage, bot.settings, now + 31 * 86400)
    assert swept.deleted_guilds == [guild.id]
    assert db_rows(runner.db_path, "SELECT count(*) FROM quiz_results") == [(0,)]


async def test_servers_left_while_offline_start_their_grace_on_connect(
    fake: FakeDiscord, runner: BotRunner, server: Server
) -> None:
    guild = server.guild
    await runner.start()
    await fake.invoke(server.alice, "faq", guild=guild, options={"question": "which pays more"})
    await runner.stop()
    await fake.remove_bot_from_guild(guild)  # while the bot is offline: no GUILD_DELETE reaches it
    bot = await runner.start()
    await fake.wait_for(
        lambda: bool(db_rows(runner.db_path, "SELECT 1 FROM guild_settings WHERE left_at IS NOT NULL"))
    )
    await runner.stop()
    await fake.add_bot_to_guild(guild)  # re-added while offline: READY carries it, no on_guild_join
    bot = await runner.start()
    await fake.wait_for(
        lambda: bool(db_rows(runner.db_path, "SELECT 1 FROM guild_settings WHERE left_at IS NULL"))
    )
    swept = await sweep(bot.storage, bot.settings, time.time() + 365 * 86400)
    assert swept.deleted_guilds == []


async def test_rejoining_within_grace_keeps_data(
    fake: FakeDiscord, runner: BotRunner, server: Server
) -> None:
    guild = server.guild
    bot = await runner.start()
    await bot.storage.update_guild_settings(guild.id, time.time(), mentions_enabled=False)
    await fake.remove_bot_from_guild(guild)
    await fake.wait_for(
        lambda: bool(db_rows(runner.db_path, "SELECT 1 FROM guild_settings WHERE left_at IS NOT NULL"))
    )
    await fake.add_bot_to_guild(guild)
    await fake.wait_for(
        lambda: bool(db_rows(runner.db_path, "SELECT 1 FROM guild_settings WHERE left_at IS NULL"))
    )
    swept = await sweep(bot.storage, bot.settings, time.time() + 365 * 86400)
    assert swept.deleted_guilds == []


async def test_retention_purge_respects_each_guild(tmp_path: Any) -> None:
    from bot.storage import Storage

    storage = Storage(tmp_path / "db.sqlite3")
    await storage.open()
    try:
        now = time.time()
        day = 86400
        await storage.update_guild_settings(1, now, faq_retention_days=7, session_retention_days=7)
        for guild, age in ((1, 3), (1, 10), (2, 10), (2, 100)):
            await storage.record_faq_query(
                user_id=5,
                guild_id=guild,
                question="q",
                entry_id=None,
                score=0,
                declined=True,
                source="slash",
                now=now - age * day,
            )
        old = await storage.start_session(
            user_id=9, guild_id=1, origin_channel_id=None, quiz_version="v", mode="dm", now=now - 10 * day
        )
        await storage.set_status(old.id, "cancelled", now - 10 * day)
        settings = make_settings(None, tmp_path)
        swept = await sweep(storage, settings, now)
        # Guild 1 keeps 7 days (drops the 10-day one); guild 2 uses the 90-day default (drops the 100-day one).
        assert swept.purged_questions == 2 and swept.purged_sessions == 1
        rows = await storage._all(
            "SELECT guild_id, round((? - asked_at) / 86400) FROM faq_queries ORDER BY 1, 2", (now,)
        )
        assert [tuple(r) for r in rows] == [(1, 3.0), (2, 10.0)]
    finally:
        await storage.close()
