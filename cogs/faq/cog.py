"""/faq and answers to mentions: the article's answers (as this server taught them), or a polite
decline with nearby topics."""

from __future__ import annotations

import asyncio
import contextlib
import re
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import reply_in_time, setting_cooldown, within_budget
from bot.faq import FaqRetriever, Match
from bot.member_text import member_text
from cogs._render import fit
from cogs.faq.render import answer_embed
from cogs.faq.views import answer_view, decline_message, topics_view

if TYPE_CHECKING:
    from bot.client import CareerBot

QUESTION_MAX = 300  # the slash option's max_length
MENTION_MAX = 1000  # as much of a mention as moderators' review keeps
NO_PINGS = discord.AllowedMentions.none()
DECLINE_REACTION = "🤷"  # on a mention the FAQ cannot answer; the details go to the member's DMs


class Faq(commands.Cog):
    def __init__(self, bot: CareerBot) -> None:
        self.bot = bot
        seconds = bot.settings.faq_cooldown_seconds
        # Rate limiting, not state: a restart forgetting who asked a few seconds ago is harmless.
        self._mention_cooldown = commands.CooldownMapping.from_cooldown(1, seconds, commands.BucketType.user)

    @app_commands.command(
        name="faq", description="Ask about AI vs ML Engineering; without a question, browse the topics"
    )
    @app_commands.describe(
        question="Your question, e.g. 'which pays more?' or 'do I need a PhD?'",
        public="Post the answer in the channel for everyone (default: only you see it)",
    )
    @app_commands.allowed_contexts(guilds=True, dms=True, private_channels=True)
    @app_commands.checks.dynamic_cooldown(setting_cooldown("faq_cooldown_seconds"))
    async def faq(
        self,
        interaction: discord.Interaction[CareerBot],
        question: app_commands.Range[str, 1, QUESTION_MAX] | None = None,
        public: bool = False,
    ) -> None:
        question = member_text(question or "", QUESTION_MAX)
        if not question:
            await interaction.response.send_message(
                "Pick a topic and I'll answer it.",
                view=topics_view(list(self.bot.content.faq.entries)),
                ephemeral=True,
            )
            return
        # This server's answerer. Right after a teach it may still be fitting (a second or so): the
        # answer waits for it rather than come from the model before the teach.
        fitted = asyncio.ensure_future(self.bot.faq_answers.answerers.get(interaction.guild_id))
        if not await within_budget(interaction, fitted):
            # Whether it declines is not known yet, and a decline must never show in the channel:
            # this one answer stays private.
            await reply_in_time(interaction, self._answer(interaction, question, fitted), ephemeral=True)
            return
        match = fitted.result().ask(question)
        # A decline is only ever shown to the member who asked, even when they chose public.
        private = not public or match.declined
        await reply_in_time(interaction, self._answer(interaction, question, match), ephemeral=private)

    async def _answer(
        self,
        interaction: discord.Interaction[CareerBot],
        question: str,
        match: Match | asyncio.Future[FaqRetriever],
    ) -> dict[str, Any]:
        if not isinstance(match, Match):
            match = (await match).ask(question)
        query_id = await self.bot.faq_answers.record(
            question, match, user_id=interaction.user.id, guild_id=interaction.guild_id, source="slash"
        )
        if match.entry is None:
            text, view = decline_message(match)
            return {"content": text, "view": view}
        return {
            "embed": answer_embed(self.bot, match.entry, match.note),
            "view": answer_view(match.entry, query_id),
        }

    @faq.autocomplete("question")
    async def faq_autocomplete(
        self, interaction: discord.Interaction[CareerBot], current: str
    ) -> list[app_commands.Choice[str]]:
        return [
            app_commands.Choice(name=fit(e.question, 100), value=fit(e.question, 100))
            for e in self.bot.faq.autocomplete(current, limit=25)
        ]

    # ------------------------------------------------------------ mentions

    def _mention_allowed(
        self, message: discord.Message, mentions_enabled: bool, channels: tuple[int, ...]
    ) -> bool:
        if message.guild is None:
            return True
        if not mentions_enabled:
            return False
        parent = getattr(message.channel, "parent_id", None)
        return not channels or message.channel.id in channels or parent in channels

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        me = self.bot.user
        if me is None or message.author.bot or me not in message.mentions:
            return
        if message.guild is not None:
            settings = await self.bot.storage.guild_settings(message.guild.id)
            if not self._mention_allowed(message, settings.mentions_enabled, settings.mention_channels):
                return
        bucket = self._mention_cooldown.get_bucket(message)
        if bucket is not None and bucket.update_rate_limit():
            return  # flooding: stay quiet rather than add to the noise
        question = member_text(re.sub(rf"<@!?{me.id}>", " ", message.content), MENTION_MAX)
        if not question:
            await message.reply(
                "Ask me something about AI vs ML Engineering, or try `/faq`.", allowed_mentions=NO_PINGS
            )
            return
        guild_id = message.guild.id if message.guild else None
        match, query_id = await self.bot.faq_answers.ask(
            question, user_id=message.author.id, guild_id=guild_id, source="mention"
        )
        try:
            # A declined question is answered out of the channel; a "hi" or "thanks" is answered where said.
            if match.entry is None and message.guild is not None and not match.small_talk:
                await self._decline_quietly(message, match)
            elif match.entry is None:
                text, view = decline_message(match)
                await message.reply(text, view=view, allowed_mentions=NO_PINGS)
            else:
                await message.reply(
                    embed=answer_embed(self.bot, match.entry, match.note),
                    view=answer_view(match.entry, query_id),
                    allowed_mentions=NO_PINGS,
                )
        except discord.Forbidden:
            pass  # may read but not post here: nothing useful to do

    async def _decline_quietly(self, message: discord.Message, match: Match) -> None:
        """A declined mention in a server: a reaction on the question, and the hint by DM.

        Only interaction responses can be ephemeral; a reply to a message is seen by the whole
        channel. So the channel gets a reaction alone, and the "not covered, maybe these topics"
        hint goes to the member's DMs (where closed DMs just leave the reaction).
        """
        await message.add_reaction(DECLINE_REACTION)
        text, view = decline_message(match)
        where = getattr(message.channel, "mention", "a channel")
        # DMs closed: the reaction already said it was not answered.
        with contextlib.suppress(discord.HTTPException):
            await message.author.send(
                f"About your question in {where}: {text}\nYou can also ask privately with `/faq`.",
                view=view,
                allowed_mentions=NO_PINGS,
            )
