"""/careerbot: about the bot, and members' own data."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot import __version__
from bot.client import reply_in_time
from bot.quiz.service import Progress
from bot.stats.service import StatsService
from cogs._render import about_embed, mydata_embed
from cogs._shared import SNOWFLAKE, GuardedButton
from cogs.quiz.views import result_kwargs

if TYPE_CHECKING:
    from bot.client import CareerBot


class Meta(commands.Cog):
    careerbot = app_commands.Group(
        name="careerbot",
        description="About careerbot and the data it keeps about you",
        allowed_contexts=app_commands.AppCommandContext(guild=True, dm_channel=True, private_channel=True),
    )

    def __init__(self, bot: CareerBot) -> None:
        self.bot = bot

    @careerbot.command(
        name="about", description="What careerbot is, where its answers come from, what it stores"
    )
    async def about(self, interaction: discord.Interaction[CareerBot]) -> None:
        await interaction.response.send_message(
            embed=about_embed(self.bot.content, __version__), ephemeral=True
        )

    @careerbot.command(name="myresult", description="Show your latest career quiz result again")
    async def myresult(self, interaction: discord.Interaction[CareerBot]) -> None:
        await reply_in_time(interaction, self._latest_result(interaction.user.id))

    async def _latest_result(self, user_id: int) -> dict[str, Any]:
        latest = await self.bot.quizzes.latest(user_id)
        if latest is None:
            return {"content": "You haven't finished the quiz yet. Run /careerquiz to take it."}
        result, explanation = latest
        session = await self.bot.storage.session(result.session_id)
        assert session is not None
        return await result_kwargs(
            self.bot, Progress(session=session, step=None, result=result, explanation=explanation)
        )

    @careerbot.command(name="mydata", description="See what careerbot stores about you")
    async def mydata(self, interaction: discord.Interaction[CareerBot]) -> None:
        data = await self.bot.storage.member_data(interaction.user.id)
        await interaction.response.send_message(embed=mydata_embed(data), ephemeral=True)

    @careerbot.command(name="forget", description="Delete everything careerbot stores about you")
    async def forget(self, interaction: discord.Interaction[CareerBot]) -> None:
        view = discord.ui.View(timeout=None)
        view.add_item(ForgetButton(interaction.user.id))
        await interaction.response.send_message(
            "This deletes all your quiz sessions, answers, results, FAQ questions and votes, in every server, "
            "and takes back any path role I gave you. It can't be undone. Sure?",
            view=view,
            ephemeral=True,
        )


class ForgetButton(GuardedButton, template=rf"cbf:(?P<uid>{SNOWFLAKE})"):
    not_yours = "Only the member who asked can confirm this."

    def __init__(self, user_id: int) -> None:
        self.user_id = user_id
        super().__init__(
            discord.ui.Button(
                label="Yes, delete my data", style=discord.ButtonStyle.danger, custom_id=f"cbf:{user_id}"
            )
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> ForgetButton:
        return cls(int(match["uid"]))

    async def owner_id(self, interaction: discord.Interaction[CareerBot]) -> int | None:
        return self.user_id

    async def run(self, interaction: discord.Interaction[CareerBot]) -> None:
        bot = interaction.client
        await interaction.response.defer(ephemeral=True, thinking=True)
        grants = await bot.storage.forget_member(self.user_id)
        await bot.storage.erase_traces()  # before saying so: deleted means gone from the files
        drop_cached_stats(bot)  # else a moderator's next summary could still count them from cache
        kept = await take_back_roles(bot, self.user_id, grants)
        text = "Done: everything I stored about you is deleted, and statistics no longer count you."
        if kept:
            roles = "a path role" if kept == 1 else f"{kept} path roles"
            text += f"\nI couldn't remove {roles} (missing permission or server gone); a moderator can."
        await interaction.followup.send(text, ephemeral=True)


def drop_cached_stats(bot: CareerBot) -> None:
    """Drop every cached summary, not only the member's servers': which servers those were is gone with
    the rows, and a dropped cache only costs one recompute at the next /quizstats summary."""
    stats = bot.get_cog("QuizStats")
    service = getattr(stats, "service", None)
    if isinstance(service, StatsService):
        service.forget_cached()


async def take_back_roles(bot: CareerBot, user_id: int, grants: list[tuple[int, int]]) -> int:
    """Remove path roles the bot gave; returns how many could not be removed."""
    failed = 0
    for guild_id, role_id in grants:
        guild = bot.get_guild(guild_id)
        if guild is None:  # the bot left that server: nothing it can do there
            failed += 1
            continue
        try:
            member = await guild.fetch_member(user_id)
            await member.remove_roles(
                discord.Object(role_id), reason="careerbot: the member asked to forget their data"
            )
        except (discord.NotFound, discord.Forbidden):
            failed += 1
    return failed


async def setup(bot: CareerBot) -> None:
    bot.add_dynamic_items(ForgetButton)
    await bot.add_cog(Meta(bot))


async def teardown(bot: CareerBot) -> None:
    bot.remove_dynamic_items(ForgetButton)
