"""Tests of the fake Discord harness itself, driven through a small plain discord.py bot."""

# ruff: noqa: F811  # `fake` is a pytest fixture imported by name; tests receive and rebind it

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import aiohttp
import discord
import pytest
import pytest_asyncio
from discord import app_commands
from discord.ext import commands
from discord.webhook.async_ import async_context, interaction_response_params

from fakediscord import (
    ClientRefused,
    FakeDiscord,
    FakeGuild,
    FakeRole,
    FakeUser,
    point_discord_py_at,
)
from fakediscord import permissions as perms
from fakediscord.fixtures import fake  # noqa: F401
from fakediscord.limits import FormErrors, check_message

FAQ = ["salary ranges", "salary negotiation", "skills for ML engineers", "AI engineer tooling"]


class ConfirmView(discord.ui.View):
    def __init__(self, owner_id: int) -> None:
        super().__init__(timeout=None)
        self.owner_id = owner_id

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        if interaction.user.id != self.owner_id:
            await interaction.response.send_message("This is not yours.", ephemeral=True)
            return False
        return True

    @discord.ui.button(label="Yes, go", custom_id="confirm:yes", style=discord.ButtonStyle.success)
    async def yes(self, interaction: discord.Interaction, button: discord.ui.Button[ConfirmView]) -> None:
        await interaction.response.edit_message(content="Confirmed", view=None)


class PickView(discord.ui.View):
    @discord.ui.select(
        custom_id="pick:menu",
        options=[discord.SelectOption(label=x.upper(), value=x) for x in ("a", "b", "c")],
    )
    async def menu(self, interaction: discord.Interaction, select: discord.ui.Select[PickView]) -> None:
        await interaction.response.edit_message(content=f"picked {select.values[0]}", view=None)


class FeedbackModal(discord.ui.Modal, title="Feedback"):
    text: discord.ui.TextInput[FeedbackModal] = discord.ui.TextInput(
        label="Your feedback", custom_id="feedback:text", max_length=50
    )

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(f"thanks: {self.text.value}", ephemeral=True)


class HarnessBot(commands.Bot):
    def __init__(self, guild_id: int, intents: discord.Intents | None = None) -> None:
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents or discord.Intents.default(),
            guild_ready_timeout=0.05,
            help_command=None,
        )
        self.guild_id = guild_id
        self.seen: list[str] = []  # message contents received, and errors met by commands
        self.errors: list[int] = []  # Discord error codes commands ran into
        self.resumes = 0
        self.joined: list[int] = []
        self.removed: list[int] = []

    async def setup_hook(self) -> None:
        add_commands(self)
        await self.tree.sync()
        await self.tree.sync(guild=discord.Object(self.guild_id))

    async def on_message(self, message: discord.Message) -> None:
        if message.author.id == self.user.id:  # type: ignore[union-attr]
            return
        self.seen.append(message.content)
        if self.user in message.mentions:
            await message.channel.send("pong")

    async def on_resumed(self) -> None:
        self.resumes += 1

    async def on_guild_join(self, guild: discord.Guild) -> None:
        self.joined.append(guild.id)

    async def on_guild_remove(self, guild: discord.Guild) -> None:
        self.removed.append(guild.id)


def add_commands(bot: HarnessBot) -> None:
    tree = bot.tree
    compare = app_commands.Group(name="compare", description="Compare the two careers")

    @compare.command(name="salary", description="Salary comparison")
    async def salary(interaction: discord.Interaction, public: bool = False) -> None:
        await interaction.response.send_message("AI vs ML salaries", ephemeral=not public)

    career = app_commands.Group(name="career", description="Career paths")
    path = app_commands.Group(name="path", description="Paths", parent=career)

    @path.command(name="show", description="Show a path")
    @app_commands.choices(
        track=[app_commands.Choice(name="AI", value="ai"), app_commands.Choice(name="ML", value="ml")]
    )
    async def show(
        interaction: discord.Interaction,
        track: app_commands.Choice[str],
        mentor: discord.Member | None = None,
    ) -> None:
        who = mentor.display_name if mentor else "nobody"
        await interaction.response.send_message(f"path {track.value} with {who}")

    tree.add_command(compare)
    tree.add_command(career)

    @tree.command(description="Think, then answer")
    async def slow(interaction: discord.Interaction) -> None:
        await interaction.response.defer(thinking=True, ephemeral=True)
        await asyncio.sleep(0.05)
        await interaction.followup.send("done")
        await interaction.followup.send("extra", file=discord.File(io.BytesIO(b"a,b\n1,2\n"), "report.csv"))

    @tree.command(name="dm_me", description="Get a DM")
    async def dm_me(interaction: discord.Interaction) -> None:
        try:
            await interaction.user.send("Ready?", view=ConfirmView(interaction.user.id))
        except discord.Forbidden as exc:
            bot.errors.append(exc.code)
            await interaction.response.send_message("I cannot DM you.", ephemeral=True)
            return
        await interaction.response.send_message("Check your DMs.", ephemeral=True)

    @tree.command(description="Pick one")
    async def pick(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("Pick:", view=PickView(), ephemeral=True)

    @tree.command(description="Send feedback")
    async def feedback(interaction: discord.Interaction) -> None:
        await interaction.response.send_modal(FeedbackModal())

    @tree.command(description="Search the FAQ")
    async def faq(interaction: discord.Interaction, question: str, lang: str = "en") -> None:
        await interaction.response.send_message(f"answer to {question}", ephemeral=True)

    @faq.autocomplete("question")
    async def faq_complete(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=q, value=q) for q in FAQ if current.lower() in q][:25]

    @tree.command(description="Answers too late")
    async def late(interaction: discord.Interaction) -> None:
        await asyncio.sleep(0.3)
        try:
            await interaction.response.send_message("too late")
        except discord.NotFound as exc:
            bot.errors.append(exc.code)

    @tree.command(description="Answers twice")
    async def double(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("one")
        try:  # bypass discord.py's own InteractionResponded guard to reach Discord
            await async_context.get().create_interaction_response(
                interaction.id,
                interaction.token,
                session=interaction._session,
                params=interaction_response_params(4, {"content": "two"}),
            )
        except discord.HTTPException as exc:
            bot.errors.append(exc.code)

    @tree.command(description="Too much")
    async def huge(interaction: discord.Interaction, what: str) -> None:
        try:
            if what == "content":
                await interaction.response.send_message("x" * 2001)
            elif what == "fields":
                embed = discord.Embed(title="t")
                for i in range(26):
                    embed.add_field(name=f"f{i}", value="v")
                await interaction.response.send_message(embed=embed)
            else:
                await interaction.response.send_message(file=discord.File(io.BytesIO(b"x" * 64), "big.bin"))
        except discord.HTTPException as exc:
            bot.errors.append(exc.code)

    @tree.command(description="Guild only")
    @app_commands.guild_only()
    async def serveronly(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("in a guild")

    @app_commands.command(description="Moderators only")
    @app_commands.default_permissions(manage_guild=True)
    async def modonly(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("hello moderator", ephemeral=True)

    tree.add_command(modonly, guild=discord.Object(bot.guild_id))


@dataclass
class World:
    fake: FakeDiscord
    guild: FakeGuild
    alice: FakeUser
    bob: FakeUser
    mods: FakeRole


@pytest.fixture
def world(fake: FakeDiscord) -> World:
    guild = fake.add_guild("Career Hub", bot_permissions=perms.DEFAULT_BOT | perms.MANAGE_ROLES)
    alice, bob = fake.add_user("alice"), fake.add_user("bob")
    mods = fake.add_role(guild, "Mods", permissions=perms.MANAGE_GUILD)
    fake.add_member(guild, alice)
    fake.add_member(guild, bob)
    return World(fake, guild, alice, bob, mods)


async def start_bot(bot: commands.Bot, fake: FakeDiscord) -> asyncio.Task[None]:
    await bot.login(fake.token)
    task = asyncio.create_task(bot.connect())
    waiter = asyncio.create_task(bot.wait_until_ready())
    done, _ = await asyncio.wait({task, waiter}, timeout=5, return_when=asyncio.FIRST_COMPLETED)
    if task in done:
        waiter.cancel()
        task.result()  # raises what connect() raised
    assert waiter in done, "bot did not become ready"
    return task


@pytest_asyncio.fixture
async def bot(world: World) -> AsyncIterator[HarnessBot]:
    with point_discord_py_at(world.fake):
        harness = HarnessBot(world.guild.id)
        task = await start_bot(harness, world.fake)
        try:
            yield harness
        finally:
            await harness.close()
            await asyncio.wait_for(task, 5)


# -- login and gateway ---------------------------------------------------------------------------


async def test_sync_and_command_group(world: World, bot: HarnessBot) -> None:
    fake = world.fake
    assert fake.sync_count() == 1 and fake.sync_count(world.guild) == 1
    names = {c["name"] for c in fake.commands()}
    assert {"compare", "career", "slow", "dm_me", "faq"} <= names
    assert [c["name"] for c in fake.commands(world.guild)] == ["modonly"]
    assert bot.get_guild(world.guild.id) is not None

    result = await fake.invoke(world.alice, "compare salary", guild=world.guild, options={"public": True})
    assert result.callback_type == 4 and not result.ephemeral
    assert result.content == "AI vs ML salaries"
    assert result.latency is not None and result.latency < 1
    assert fake.channel_messages(world.guild.general) == [result.message]

    nested = await fake.invoke(
        world.alice, "career path show", guild=world.guild, options={"track": "ml", "mentor": world.bob}
    )
    assert nested.content == "path ml with bob"


async def test_ephemeral_reply_in_dm(world: World, bot: HarnessBot) -> None:
    result = await world.fake.invoke(world.alice, "compare salary")
    assert result.ephemeral and result.content == "AI vs ML salaries"
    assert result.message is not None and result.message.channel_id == world.fake.dm_channel(world.alice).id
    assert world.fake.channel_messages(world.guild.general) == []


async def test_client_rules_refuse_unknown_commands_and_options(world: World, bot: HarnessBot) -> None:
    fake = world.fake
    with pytest.raises(ClientRefused, match="not a synced command"):
        await fake.invoke(world.alice, "nope", guild=world.guild)
    with pytest.raises(ClientRefused, match="no subcommand"):
        await fake.invoke(world.alice, "compare pension", guild=world.guild)
    with pytest.raises(ClientRefused, match="no option"):
        await fake.invoke(world.alice, "compare salary", guild=world.guild, options={"loud": True})
    with pytest.raises(ClientRefused, match="must be one of"):
        await fake.invoke(world.alice, "career path show", guild=world.guild, options={"track": "xx"})
    with pytest.raises(ClientRefused, match="needs a subcommand"):
        await fake.invoke(world.alice, "compare", guild=world.guild)
    with pytest.raises(ClientRefused, match=r"guild-only|not allowed in DMs"):
        await fake.invoke(world.alice, "serveronly")
    with pytest.raises(ClientRefused, match="not a synced command in DMs"):
        await fake.invoke(world.alice, "modonly")
    assert fake.interactions == []


async def test_default_member_permissions_enforced_with_bypass(world: World, bot: HarnessBot) -> None:
    fake = world.fake
    with pytest.raises(ClientRefused, match="default_member_permissions"):
        await fake.invoke(world.alice, "modonly", guild=world.guild)
    forced = await fake.invoke(world.alice, "modonly", guild=world.guild, bypass_client_checks=True)
    assert forced.content == "hello moderator"  # discord.py itself does not re-check
    assert forced.data["guild_id"] == str(world.guild.id)

    fake.member(world.guild, world.alice).role_ids.append(world.mods.id)
    assert (await fake.invoke(world.alice, "modonly", guild=world.guild)).content == "hello moderator"
    owner = fake.world.users[world.guild.owner_id]
    assert (await fake.invoke(owner, "modonly", guild=world.guild)).ephemeral


async def test_deferred_reply_then_followups(world: World, bot: HarnessBot) -> None:
    result = await world.fake.invoke(world.alice, "slow", guild=world.guild)
    assert result.callback_type == 5 and result.ephemeral
    assert result.content == "done"  # the first followup replaced "thinking..."
    assert result.message is not None and not result.message.loading and result.message.edits == 0
    followups = await result.wait_followups(2)
    assert followups[0] is result.message
    assert followups[1].content == "extra" and followups[1].ephemeral is False
    attachment = followups[1].attachments[0]
    assert (attachment.filename, attachment.data, attachment.content_type) == (
        "report.csv",
        b"a,b\n1,2\n",
        "text/csv",
    )


async def test_dm_button_click_edits_message(world: World, bot: HarnessBot) -> None:
    fake = world.fake
    result = await fake.invoke(world.alice, "dm_me", guild=world.guild)
    assert result.content == "Check your DMs."
    dm = await fake.wait_dm(world.alice)
    assert dm.content == "Ready?" and dm.custom_ids() == ["confirm:yes"]
    assert dm.button("Yes")["custom_id"] == "confirm:yes"

    with pytest.raises(ClientRefused):
        await fake.click(world.bob, dm, "confirm:yes")
    forged = await fake.click(world.bob, dm, "confirm:yes", forge=True)
    assert forged.ephemeral and forged.content == "This is not yours."
    assert dm.content == "Ready?"

    click = await fake.click(world.alice, dm, "confirm:yes")
    assert click.callback_type == 7 and click.message is dm
    assert dm.content == "Confirmed" and dm.components == [] and dm.edits == 1
    assert (await fake.wait_dm(world.alice, lambda m: m.content == "Confirmed")) is dm
    with pytest.raises(ClientRefused, match="no component"):
        await fake.click(world.alice, dm, "confirm:yes")


async def test_closed_dms_answer_50007(world: World, bot: HarnessBot) -> None:
    world.fake.close_dms(world.alice)
    result = await world.fake.invoke(world.alice, "dm_me", guild=world.guild)
    assert result.content == "I cannot DM you."
    assert bot.errors == [50007]
    assert world.fake.dm_messages(world.alice) == []
    assert any(r.status == 403 and r.path.endswith("/messages") for r in world.fake.requests)


async def test_select_on_ephemeral_message(world: World, bot: HarnessBot) -> None:
    fake = world.fake
    menu = await fake.invoke(world.alice, "pick", guild=world.guild)
    assert menu.ephemeral and menu.custom_ids() == ["pick:menu"]
    with pytest.raises(ClientRefused, match="has no options"):
        await fake.select(world.alice, menu, "pick:menu", ["z"])
    with pytest.raises(ClientRefused, match="cannot see ephemeral"):
        await fake.select(world.bob, menu, "pick:menu", ["b"])
    chosen = await fake.select(world.alice, menu, "pick:menu", ["b"])
    assert chosen.callback_type == 7 and menu.content == "picked b" and menu.components == []


async def test_modal_submit(world: World, bot: HarnessBot) -> None:
    fake = world.fake
    opened = await fake.invoke(world.alice, "feedback", guild=world.guild)
    assert opened.callback_type == 9 and opened.modal is not None and opened.modal["title"] == "Feedback"
    with pytest.raises(ClientRefused, match="required"):
        await fake.submit_modal(world.alice, opened, {})
    with pytest.raises(ClientRefused, match=r"1-50|0-50"):
        await fake.submit_modal(world.alice, opened, {"feedback:text": "x" * 51})
    custom_id = opened.modal["custom_id"]
    submitted = await fake.submit_modal(world.alice, custom_id, {"feedback:text": "great bot"})
    assert submitted.content == "thanks: great bot" and submitted.ephemeral


async def test_autocomplete(world: World, bot: HarnessBot) -> None:
    fake = world.fake
    choices = await fake.autocomplete(world.alice, "faq", focused="question", value="sal", guild=world.guild)
    assert [c["value"] for c in choices] == ["salary ranges", "salary negotiation"]
    assert fake.interactions[-1].callback_type == 8
    with pytest.raises(ClientRefused, match="no autocomplete"):
        await fake.autocomplete(world.alice, "faq", focused="lang", value="e", options={"question": "x"})


async def test_retried_429(world: World, bot: HarnessBot) -> None:
    fake = world.fake
    fake.fail_next("POST", "/channels/{channel_id}/messages", status=429, retry_after=0.05)
    await fake.send_message(world.alice, world.guild.general, "ping")
    await fake.wait_for(lambda: any(m.content == "pong" for m in fake.channel_messages(world.guild.general)))
    statuses = [r.status for r in fake.requests if r.method == "POST" and r.path.endswith("/messages")]
    assert statuses == [429, 200]


async def test_mention_dispatched_as_message_create(world: World, bot: HarnessBot) -> None:
    fake = world.fake
    await fake.send_message(world.bob, world.guild.general, "no mention here", mention_bot=False)
    message = await fake.send_message(world.alice, world.guild.general, "hello bot")
    assert message.content.startswith(fake.bot_user.mention)
    await fake.wait_for(lambda: len(fake.channel_messages(world.guild.general)) == 3)
    # Without the message content intent Discord blanks guild messages that do not mention the bot.
    assert bot.seen == ["", message.content]
    assert fake.channel_messages(world.guild.general)[-1].content == "pong"


@pytest.mark.parametrize("code", [None, 4000])
async def test_gateway_resume_replays_missed_events(world: World, bot: HarnessBot, code: int | None) -> None:
    fake = world.fake
    await fake.drop_gateway(code)
    await fake.send_message(world.alice, world.guild.general, "while away")  # buffered for the replay
    await fake.wait_resumed()
    await fake.wait_for(lambda: any(m.content == "pong" for m in fake.channel_messages(world.guild.general)))
    assert fake.gateway.identifies == 1 and bot.resumes == 1
    assert fake.gateway.current is not None and fake.gateway.current.resumes == 1
    result = await fake.invoke(world.alice, "compare salary", guild=world.guild)
    assert result.content == "AI vs ML salaries"


async def test_bot_added_and_removed(world: World, bot: HarnessBot) -> None:
    fake = world.fake
    await fake.remove_bot_from_guild(world.guild)
    await fake.wait_for(lambda: bot.removed == [world.guild.id])
    assert bot.get_guild(world.guild.id) is None
    await fake.add_bot_to_guild(world.guild)
    await fake.wait_for(lambda: bot.joined == [world.guild.id])


async def test_role_routes_enforce_hierarchy(world: World, bot: HarnessBot) -> None:
    fake, guild = world.fake, world.guild
    await bot.http.add_role(guild.id, world.alice.id, world.mods.id)
    assert world.mods.id in fake.member(guild, world.alice).role_ids
    above = fake.add_role(guild, "Admins", position=guild.bot_role.position + 1)
    with pytest.raises(discord.Forbidden) as info:
        await bot.http.add_role(guild.id, world.alice.id, above.id)
    assert info.value.code == 50013
    await bot.http.remove_role(guild.id, world.alice.id, world.mods.id)
    assert fake.member(guild, world.alice).role_ids == []


async def test_unknown_route_is_recorded(world: World, bot: HarnessBot) -> None:
    fake = world.fake
    with pytest.raises(discord.NotFound):
        await bot.http.request(discord.http.Route("GET", "/nowhere/{x}", x=1))
    assert fake.unknown_routes == ["GET /nowhere/1"]
    assert fake.problems() == ["unknown route GET /nowhere/1"]
    fake.unknown_routes.clear()  # expected here; otherwise the fixture fails the test


async def test_server_error_then_recovery(world: World, bot: HarnessBot) -> None:
    fake = world.fake
    fake.fail_next("GET", "/users/{user_id}", status=503)
    with pytest.raises(discord.DiscordServerError):
        await bot.fetch_user(world.alice.id)
    assert (await bot.fetch_user(world.alice.id)).name == "alice"


async def test_global_rate_limit_is_waited_out(world: World, bot: HarnessBot) -> None:
    fake = world.fake
    channel = bot.get_channel(world.guild.general.id)
    assert isinstance(channel, discord.TextChannel)
    fake.global_rate_limit = 3
    sent = await asyncio.gather(*(channel.send(f"n{i}") for i in range(5)))
    assert len(sent) == 5 and len(fake.channel_messages(world.guild.general)) == 5
    assert any(r.status == 429 for r in fake.requests)
    interaction = await fake.invoke(world.alice, "compare salary", guild=world.guild)  # callbacks are exempt
    assert interaction.content == "AI vs ML salaries"


async def test_reactions_and_history(world: World, bot: HarnessBot) -> None:
    fake = world.fake
    message = await fake.send_message(world.alice, world.guild.general, "react to me")
    channel = bot.get_channel(world.guild.general.id)
    assert isinstance(channel, discord.TextChannel)
    fetched = await channel.fetch_message(message.id)
    await fetched.add_reaction("👍")
    assert [u.id for u in message.reactions["👍"]] == [fake.bot_user.id]
    await fake.wait_for(lambda: len(fake.channel_messages(world.guild.general)) == 2)  # + "pong"
    history = [m.content async for m in channel.history(limit=10)]
    assert history == ["pong", message.content]


async def test_unanswered_interaction_times_out_naming_it(world: World, bot: HarnessBot) -> None:
    with pytest.raises(TimeoutError, match=r"/ghost .* by alice: the bot never answered"):
        await world.fake.invoke(
            world.alice, "ghost", guild=world.guild, bypass_client_checks=True, timeout=0.2
        )


async def test_channel_without_send_permission_answers_50013(world: World, bot: HarnessBot) -> None:
    fake = world.fake
    fake.set_bot_can_send(world.guild.general, False)
    channel = bot.get_channel(world.guild.general.id)
    assert isinstance(channel, discord.TextChannel)
    with pytest.raises(discord.Forbidden) as info:
        await channel.send("hi")
    assert info.value.code == 50013


# -- failures Discord reports ----------------------------------------------------------------------


@pytest.mark.parametrize(("what", "code"), [("content", 50035), ("fields", 50035), ("file", 40005)])
async def test_oversized_payload_is_a_violation(world: World, bot: HarnessBot, what: str, code: int) -> None:
    fake = world.fake
    fake.attachment_size_limit = 32
    result = await fake.invoke(world.alice, "huge", guild=world.guild, options={"what": what})
    assert result.error is not None and result.error.code == code
    assert bot.errors == [code]
    assert [v.code for v in fake.violations] == [code]
    fake.violations.clear()  # expected here; otherwise the fixture fails the test


async def test_late_callback_gets_10062(world: World, bot: HarnessBot) -> None:
    world.fake.interaction_ack_timeout = 0.1
    result = await world.fake.invoke(world.alice, "late", guild=world.guild)
    assert result.error is not None and result.error.code == 10062 and result.expired
    assert result.callback_type is None
    await world.fake.wait_for(lambda: bot.errors == [10062])


async def test_double_callback_gets_40060(world: World, bot: HarnessBot) -> None:
    result = await world.fake.invoke(world.alice, "double", guild=world.guild)
    assert result.content == "one"
    await world.fake.wait_for(lambda: bot.errors == [40060])
    assert result.errors[0].code == 40060


async def test_bad_token_is_login_failure(fake: FakeDiscord) -> None:
    with point_discord_py_at(fake):
        client = discord.Client(intents=discord.Intents.default())
        with pytest.raises(discord.LoginFailure):
            await client.login("not-the-token")
        await client.close()
    assert fake.requests[-1].status == 401


async def test_gateway_identify_with_bad_token_closes_4004(fake: FakeDiscord) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.ws_connect(fake.gateway_url + "?v=10&encoding=json") as ws,
    ):
        hello = await ws.receive_json()
        assert hello["op"] == 10 and hello["d"]["heartbeat_interval"] > 0
        await ws.send_json({"op": 1, "d": None})
        assert (await ws.receive_json())["op"] == 11
        await ws.send_json({"op": 2, "d": {"token": "wrong", "intents": 1, "properties": {}}})
        closing = await ws.receive()
        assert closing.type is aiohttp.WSMsgType.CLOSE and closing.data == 4004


async def test_requests_are_timed_from_the_socket_read(fake: FakeDiscord) -> None:
    """Discord judges deadlines on receipt: the fake stamps a request when it reads it off the socket,
    so time queued behind the fake's own work is not charged to the bot. Two requests pipelined in one
    write are read together; the second then waits for the first's handler, from the same stamp."""
    host, port = fake.http_base.removeprefix("http://").rsplit(":", 1)
    _reader, writer = await asyncio.open_connection(host, int(port))
    request = f"GET /api/v10/gateway/bot HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bot {fake.token}\r\n\r\n"
    writer.write(request.encode() * 2)
    await writer.drain()
    await fake.wait_for(lambda: len(fake.requests) == 2)
    writer.close()
    await writer.wait_closed()
    assert [r.status for r in fake.requests] == [200, 200]
    first, second = fake.queued_seconds
    assert 0 <= first <= second


async def test_privileged_intents_refused_with_4014(world: World) -> None:
    intents = discord.Intents.default()
    intents.members = True
    with point_discord_py_at(world.fake):
        harness = HarnessBot(world.guild.id, intents=intents)
        with pytest.raises(discord.PrivilegedIntentsRequired):
            await start_bot(harness, world.fake)
        await harness.close()
    assert world.fake.gateway.close_codes == [4014]


def test_point_discord_py_at_restores() -> None:
    before = (discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY)
    stub = FakeDiscord()
    stub.api_base, stub.gateway_url = "http://127.0.0.1:1/api/v10", "ws://127.0.0.1:1/gateway"
    restore = point_discord_py_at(stub)
    assert stub.api_base == discord.http.Route.BASE
    restore()
    assert before == (discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY)


@pytest.mark.parametrize(
    ("payload", "error"),
    [
        ({"embeds": [{"title": "t" * 257}]}, "embeds.0.title"),
        ({"embeds": [{"description": "d" * 4000}, {"description": "d" * 2001}]}, "embeds: Embed size"),
        ({"embeds": [{"fields": [{"name": "", "value": "v"}]}]}, "embeds.0.fields.0.name"),
        (
            {"components": [{"type": 1, "components": [{"type": 2, "style": 1, "custom_id": "x"}] * 2}]},
            "duplicated",
        ),
        (
            {
                "components": [
                    {
                        "type": 1,
                        "components": [{"type": 2, "style": 1, "custom_id": str(i)} for i in range(6)],
                    }
                ]
            },
            "maximum width",
        ),
        (
            {
                "components": [
                    {"type": 1, "components": [{"type": 2, "style": 1, "label": "l" * 81, "custom_id": "c"}]}
                ]
            },
            "label",
        ),
        (
            {
                "components": [
                    {
                        "type": 1,
                        "components": [
                            {"type": 3, "custom_id": "s", "options": [{"label": "a", "value": "a"}] * 26}
                        ],
                    }
                ]
            },
            "options",
        ),
        (
            {"components": [{"type": 1, "components": [{"type": 2, "style": 1, "custom_id": "c" * 101}]}]},
            "custom_id",
        ),
    ],
)
def test_limits(payload: dict[str, Any], error: str) -> None:
    errors = FormErrors()
    check_message(payload, errors)
    assert any(error in line for line in errors.flat()), errors.flat()
