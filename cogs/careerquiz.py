"""/careerquiz: start or resume the quiz in DMs (or here, when DMs are closed), and the result buttons."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import discord
from discord import app_commands, ui
from discord.ext import commands

from bot.quiz_service import Progress, UnknownSession
from bot.storage import ResultRow
from cogs._path_roles import give_path_role
from cogs._quiz_render import question_embed, share_card
from cogs._quiz_views import DYNAMIC_ITEMS, StartButton, question_view, render, result_view
from cogs.compare import send_salary

if TYPE_CHECKING:
    from bot.client import CareerBot

Interaction = discord.Interaction["CareerBot"]
DM_CLOSED = 50007
DMS_CLOSED_TEXT = (
    "I couldn't send you a DM: your privacy settings block messages from me.\n"
    "To allow them: open this server's menu → **Privacy Settings** → turn on **Direct Messages** "
    "(or User Settings → Privacy & Safety for every server), then run /careerquiz again.\n"
    "Or take the quiz right here: only you will see it."
)


async def deliver(interaction: Interaction, progress: Progress) -> None:
    """Send the current question to the member's DMs, or explain and offer the channel when DMs are closed.

    The interaction is already deferred. Never retries a refused DM: one attempt, one explanation.
    """
    assert progress.step is not None
    embed, view = question_embed(progress.step, note=progress.note), question_view(progress)
    quizzes = interaction.client.quizzes
    if interaction.guild is None:  # already in DMs: the reply is the quiz message
        reply = await interaction.followup.send(embed=embed, view=view, wait=True)
        await quizzes.set_message(progress.session.id, reply.channel.id, reply.id)
        return
    if progress.session.mode == "channel":
        await interaction.followup.send(embed=embed, view=view, ephemeral=True)
        return
    try:
        dm = await interaction.user.create_dm()
        message = await dm.send(embed=embed, view=view)
    except discord.Forbidden as exc:
        if exc.code != DM_CLOSED:
            raise
        offer = ui.View(timeout=None)
        offer.add_item(StartButton("here", progress.session.id))
        await interaction.followup.send(DMS_CLOSED_TEXT, view=offer, ephemeral=True)
        return
    await quizzes.set_message(progress.session.id, dm.id, message.id)
    await interaction.followup.send(
        f"Check your DMs: your quiz is waiting there → {message.jump_url}", ephemeral=True
    )


async def on_start_button(interaction: Interaction, action: str, sid: int) -> None:
    quizzes = interaction.client.quizzes
    if action == "here":
        session, _ = await quizzes.owned_active(sid, interaction.user.id)
        await quizzes.set_mode(session.id, "channel")
        progress = await quizzes.resume(interaction.user.id)
        if progress is None:
            raise UnknownSession()
        await render(interaction, progress, edit=False)
        return
    await interaction.response.defer()  # an update of the prompt: edited below once the DM is out
    if action == "resume":
        progress = await quizzes.resume(interaction.user.id)
        if progress is None:
            await interaction.edit_original_response(
                content="That quiz has already ended. Run /careerquiz to start a new one.", view=None
            )
            return
    else:
        previous, _ = await quizzes.owned_active(sid, interaction.user.id)
        in_guild = interaction.guild_id is not None
        progress = await quizzes.start(
            interaction.user.id,
            guild_id=interaction.guild_id,
            channel_id=interaction.channel_id if in_guild else None,
            mode=previous.mode,
        )
    await interaction.edit_original_response(content="On its way…", view=None)
    await deliver(interaction, progress)


async def on_result_button(interaction: Interaction, sid: int, action: str) -> None:
    bot = interaction.client
    session, result = await bot.quizzes.owned_result(sid, interaction.user.id)
    if action == "compare":
        await send_salary(interaction, public=False)
    elif action == "retake":
        # From /careerbot myresult in a server the click is in a channel: never post the quiz there.
        in_guild = interaction.guild is not None
        await interaction.response.defer(ephemeral=in_guild, thinking=True)
        progress = await bot.quizzes.start(
            interaction.user.id,
            guild_id=interaction.guild_id if in_guild else session.guild_id,
            channel_id=interaction.channel_id if in_guild else session.origin_channel_id,
            mode=session.mode,
        )
        await deliver(interaction, progress)
    elif action == "share":
        await share(interaction, session.origin_channel_id, result)
    elif action == "role":
        await give_path_role(interaction, session)


async def share(interaction: Interaction, channel_id: int | None, result: ResultRow) -> None:
    """Post a short card where the quiz was started, once per result, only if the bot may post there."""
    bot = interaction.client
    if channel_id is None:
        raise UnknownSession()
    await interaction.response.defer(ephemeral=True, thinking=True)
    channel: object = bot.get_channel(channel_id)
    if channel is None:  # not cached, e.g. an archived thread: ask Discord
        try:
            channel = await bot.fetch_channel(channel_id)
        except (discord.NotFound, discord.Forbidden):
            channel = None
    if not isinstance(channel, discord.abc.Messageable):
        await interaction.followup.send(
            "I can't reach that channel any more, so nothing was shared.", ephemeral=True
        )
        return
    if not await bot.storage.mark_shared(result.session_id, time.time()):
        await interaction.followup.send("You've already shared this result.", ephemeral=True)
        return
    try:
        await channel.send(embed=share_card(interaction.user, result))
    except discord.HTTPException:
        await bot.storage.unmark_shared(result.session_id)
        await interaction.followup.send(
            "I'm not allowed to post in that channel, so nothing was shared.", ephemeral=True
        )
        return
    await interaction.followup.send(f"Shared in <#{channel_id}>.", ephemeral=True)


class CareerQuiz(commands.Cog):
    def __init__(self, bot: CareerBot) -> None:
        self.bot = bot

    @app_commands.command(
        name="careerquiz", description="Which fits you better: AI Engineer or ML Engineer? A quiz in your DMs"
    )
    @app_commands.allowed_contexts(guilds=True, dms=True, private_channels=True)
    @app_commands.allowed_installs(guilds=True, users=False)
    async def careerquiz(self, interaction: Interaction) -> None:
        in_guild = interaction.guild is not None
        await interaction.response.defer(ephemeral=in_guild, thinking=True)
        quizzes = self.bot.quizzes
        progress = await quizzes.resume(interaction.user.id)  # None when no live session
        if progress is not None:
            if progress.note is None and progress.step is not None:  # same version: ask first
                offer = ui.View(timeout=None)
                offer.add_item(StartButton("resume", progress.session.id))
                offer.add_item(StartButton("restart", progress.session.id))
                await interaction.followup.send(
                    f"You have a quiz in progress ({progress.step.label}). Resume it, or start over?",
                    view=offer,
                    ephemeral=in_guild,
                )
                return
            await deliver(interaction, progress)  # content changed: restarted, with its note
            return
        progress = await quizzes.start(
            interaction.user.id,
            guild_id=interaction.guild_id,
            channel_id=interaction.channel_id if in_guild else None,
        )
        await deliver(interaction, progress)


async def setup(bot: CareerBot) -> None:
    bot.add_dynamic_items(*DYNAMIC_ITEMS)
    await bot.add_cog(CareerQuiz(bot))


async def teardown(bot: CareerBot) -> None:
    bot.remove_dynamic_items(*DYNAMIC_ITEMS)


__all__ = ["deliver", "on_result_button", "on_start_button", "result_view", "setup"]
