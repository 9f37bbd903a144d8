"""What the quiz's commands and buttons do: deliver a question, answer, go back, resume, share.

Called by the cog (``cog.py``), which the buttons reach through ``items.Flows``.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Awaitable
from typing import Any

import discord

from bot.client import CareerBot, acknowledged_in_time
from bot.quiz.engine import NotCurrentQuestion
from bot.quiz.service import Progress, UnknownSession, faq_followups
from bot.storage import ResultRow, SessionRow
from cogs._path_roles import give_path_role
from cogs.compare import send_salary
from cogs.quiz.render import DETAIL_TITLES, detail_embed, share_card
from cogs.quiz.views import offer_view, shown

Interaction = discord.Interaction[CareerBot]
DM_CLOSED = 50007
RATE_LIMITED = 429
DISCORD_BUSY_TEXT = (
    "Discord is too busy to deliver my DM right now. Your quiz is saved: run /careerquiz again "
    "in a minute and it resumes where you are."
)
DMS_CLOSED_TEXT = (
    "I couldn't send you a DM: your privacy settings block messages from me.\n"
    "To allow them: open this server's menu → **Privacy Settings** → turn on **Direct Messages** "
    "(or User Settings → Privacy & Safety for every server), then run /careerquiz again.\n"
    "Or take the quiz right here: only you will see it."
)


async def deliver(
    interaction: Interaction, progress: Progress, *, replaced: SessionRow | None = None
) -> None:
    """Send the current question to the member's DMs, or explain and offer the channel when DMs are closed.

    The interaction is already deferred. Never retries a refused DM: one attempt, one explanation.
    ``replaced``: the quiz that Start over ended, whose message must stop offering its buttons.
    """
    kwargs = await shown(interaction.client, progress)
    quizzes = interaction.client.quizzes
    if interaction.guild is None:  # already in DMs: the reply is the quiz message
        reply = await interaction.followup.send(**kwargs, wait=True)
        await quizzes.set_message(progress.session.id, reply.channel.id, reply.id)
        await retire_previous(interaction.client, progress, reply, replaced=replaced)
        return
    if progress.session.mode == "channel":
        await interaction.followup.send(**kwargs, ephemeral=True)
        return
    try:
        dm = await interaction.user.create_dm()
        message = await dm.send(**kwargs)
    except discord.Forbidden as exc:
        if exc.code != DM_CLOSED:
            raise
        await interaction.followup.send(
            DMS_CLOSED_TEXT, view=offer_view(progress.session.id, "here"), ephemeral=True
        )
        return
    except (discord.HTTPException, discord.RateLimited) as exc:
        if isinstance(exc, discord.HTTPException) and exc.status != RATE_LIMITED and exc.status < 500:
            raise
        # discord.py retried and gave up: nothing is lost, the session is stored.
        await interaction.followup.send(DISCORD_BUSY_TEXT, ephemeral=True)
        return
    await quizzes.set_message(progress.session.id, dm.id, message.id)
    await retire_previous(interaction.client, progress, message, replaced=replaced)
    await interaction.followup.send(
        f"Check your DMs: your quiz is waiting there → {message.jump_url}", ephemeral=True
    )


async def retire_previous(
    bot: CareerBot, progress: Progress, current: discord.Message, *, replaced: SessionRow | None = None
) -> None:
    """One live quiz message: the one a resumed session was shown in, or the one of the quiz that Start
    over replaced, points to the new one, its buttons gone."""
    session = replaced or progress.session
    if session.message_channel_id is None or session.message_id is None or session.message_id == current.id:
        return
    old = bot.get_partial_messageable(session.message_channel_id).get_partial_message(session.message_id)
    embed = discord.Embed(
        title="Quiz started over" if replaced else "Quiz moved",
        description=(
            f"You started the quiz again: your new one is here → {current.jump_url}"
            if replaced
            else f"This quiz continues in a newer message → {current.jump_url}"
        ),
    )
    # NotFound/Forbidden: the member deleted it, or the DM closed: nothing left to confuse them.
    with contextlib.suppress(discord.NotFound, discord.Forbidden):
        await old.edit(content=None, embed=embed, view=None)


async def on_start_button(interaction: Interaction, action: str, sid: int) -> None:
    quizzes = interaction.client.quizzes
    if action == "here":
        session, _ = await quizzes.owned_active(sid, interaction.user.id)
        await quizzes.set_mode(session.id, "channel")
        progress = await quizzes.resume(interaction.user.id)
        if progress is None:
            raise UnknownSession()
        await interaction.response.send_message(**await shown(interaction.client, progress), ephemeral=True)
        return
    await interaction.response.defer()  # an update of the prompt: edited below once the DM is out
    previous: SessionRow | None = None
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
    if interaction.guild is None:
        # In DMs the prompt itself becomes the quiz message: nothing is left saying "On its way…".
        message = await interaction.edit_original_response(
            content=None, **await shown(interaction.client, progress)
        )
        await quizzes.set_message(progress.session.id, message.channel.id, message.id)
        await retire_previous(interaction.client, progress, message, replaced=previous)
        return
    await interaction.edit_original_response(content="On its way…", view=None)
    await deliver(interaction, progress, replaced=previous)


async def on_result_button(interaction: Interaction, sid: int, action: str) -> None:
    bot = interaction.client
    session, result = await bot.quizzes.owned_result(sid, interaction.user.id)
    if action in DETAIL_TITLES:
        _, explanation = await bot.quizzes.completed(session)
        followups = faq_followups(bot.faq, explanation) if action == "faq" else []
        embed = detail_embed(bot.content, explanation, action, followups)
        await interaction.response.send_message(embed=embed, ephemeral=True)
    elif action == "compare":
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
    elif action == "unrole":
        await remove_path_role(interaction, session.guild_id, result.outcome)


async def remove_path_role(interaction: Interaction, guild_id: int | None, outcome: str) -> None:
    """The way back from the role button, without deleting everything as /careerbot forget does."""
    bot = interaction.client
    guild = bot.get_guild(guild_id) if guild_id is not None else None
    role_id = (await bot.storage.guild_settings(guild.id)).path_role(outcome) if guild is not None else None
    role = guild.get_role(role_id) if guild is not None and role_id else None
    if guild is None or role is None:
        await interaction.response.send_message(
            "That server has no role for this result now.", ephemeral=True
        )
        return
    await interaction.response.defer(ephemeral=True, thinking=True)
    try:
        member = await guild.fetch_member(interaction.user.id)
        if all(r.id != role.id for r in member.roles):
            # Gone already (a moderator took it): the record of giving it goes too.
            await bot.storage.delete_role_grant(guild.id, interaction.user.id, role.id)
            await interaction.followup.send(f"You don't have the **{role.name}** role.", ephemeral=True)
            return
        await member.remove_roles(role, reason="careerbot: the member asked to remove their path role")
    except discord.NotFound:  # roles go with membership: nothing left to take back
        await bot.storage.delete_role_grant(guild.id, interaction.user.id, role.id)
        await interaction.followup.send(
            "You don't seem to be a member of that server any more.", ephemeral=True
        )
        return
    except discord.Forbidden:
        await interaction.followup.send(
            "Discord refused: I'm not allowed to remove that role.", ephemeral=True
        )
        return
    await bot.storage.delete_role_grant(guild.id, interaction.user.id, role.id)
    await interaction.followup.send(
        f"Done: the **{role.name}** role is removed in {guild.name}, and so is my record of giving it to you.",
        ephemeral=True,
    )


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


STALE_QUESTION_NOTE = "That button was from an earlier question. Here is your latest one."


async def edit_in_time(interaction: Interaction, work: Awaitable[dict[str, Any]]) -> None:
    """Edit the clicked message with what ``work`` builds, acknowledging first if it runs late.

    Discord fails an interaction not acknowledged within 3 s. A click normally answers in
    milliseconds with one edit; under heavy load it is deferred (type 6) before the deadline and
    the message edited when the work is done, so the member never sees "This interaction failed".
    Every database read the reply needs (ownership, the path role's name) is inside ``work``: a
    read after the budget check could wait for a pooled connection past the deadline.
    """
    message, deferred = await acknowledged_in_time(interaction, work, interaction.response.defer)
    if deferred:
        await interaction.edit_original_response(**message)
    else:
        await interaction.response.edit_message(**message)


async def answer(interaction: Interaction, sid: int, question: str, option: str) -> None:
    bot = interaction.client

    async def work() -> dict[str, Any]:
        try:
            progress = await bot.quizzes.answer(sid, interaction.user.id, question, option)
        except NotCurrentQuestion:
            # A stale message (e.g. an earlier click answered too late to update it): show the latest.
            progress = await bot.quizzes.current(sid, interaction.user.id, note=STALE_QUESTION_NOTE)
        return await shown(bot, progress)

    await edit_in_time(interaction, work())


async def nav(interaction: Interaction, sid: int, action: str) -> None:
    bot = interaction.client

    async def back() -> dict[str, Any]:
        return await shown(bot, await bot.quizzes.back(sid, interaction.user.id))

    async def cancel() -> dict[str, Any]:
        await bot.quizzes.cancel(sid, interaction.user.id)
        embed = discord.Embed(
            title="Quiz cancelled",
            description="Nothing more will be asked. Use /careerquiz whenever you want to start again.",
        )
        return {"embed": embed, "view": None}

    await edit_in_time(interaction, back() if action == "back" else cancel())
