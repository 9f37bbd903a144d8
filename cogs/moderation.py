"""/careerbot-config (moderators) and the opt-in path role a member can take from their result."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.content import OUTCOME_NAMES
from cogs._path_roles import caller_problem, role_problem
from cogs._render import settings_embed
from cogs.faq.render import taught_summary

if TYPE_CHECKING:
    from bot.client import CareerBot

Interaction = discord.Interaction["CareerBot"]


class NotModerator(app_commands.CheckFailure):
    def __init__(self) -> None:
        super().__init__(
            "Only this server's moderators (Manage Server, or a careerbot moderator role) can use this."
        )


async def is_moderator(interaction: Interaction) -> bool:
    """The runtime check behind default_permissions: admins may override the default, this still holds."""
    if interaction.guild is None or not isinstance(interaction.user, discord.Member):
        raise app_commands.NoPrivateMessage("This only works in a server.")
    if interaction.user.guild_permissions.manage_guild:
        return True
    settings = await interaction.client.storage.guild_settings(interaction.guild.id)
    if any(role.id in settings.moderator_roles for role in interaction.user.roles):
        return True
    raise NotModerator()


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class Config(
    commands.GroupCog, group_name="careerbot-config", group_description="careerbot settings for this server"
):
    def __init__(self, bot: CareerBot) -> None:
        self.bot = bot
        super().__init__()

    async def interaction_check(self, interaction: Interaction) -> bool:  # type: ignore[override]
        return await is_moderator(interaction)

    async def _reply(
        self, interaction: Interaction, text: str | None = None, *, taught: bool = False
    ) -> None:
        assert interaction.guild is not None
        s = await self.bot.storage.guild_settings(interaction.guild.id)
        embed = settings_embed(
            interaction.guild, s, self.bot.settings.faq_retention_days, self.bot.settings.suppression_k
        )
        if taught:  # examples moderators taught the FAQ here (cogs/faq/teach.py)
            counts = await self.bot.storage.taught_counts(interaction.guild.id)
            days = s.faq_retention_days or self.bot.settings.faq_retention_days
            embed.add_field(
                name="FAQ examples taught here",
                value=taught_summary(self.bot.content, counts, days),
                inline=False,
            )
        await interaction.response.send_message(text, embed=embed, ephemeral=True)

    async def _update(self, interaction: Interaction, **changes: object) -> None:
        assert interaction.guild is not None
        await self.bot.storage.update_guild_settings(interaction.guild.id, time.time(), **changes)

    @app_commands.command(name="show", description="Show careerbot's settings for this server")
    async def show(self, interaction: Interaction) -> None:
        await self._reply(interaction, taught=True)

    @app_commands.command(
        name="moderator-role", description="Roles whose members may see statistics and change settings"
    )
    @app_commands.describe(action="add, remove or list", role="The role (for add and remove)")
    async def moderator_role(
        self,
        interaction: Interaction,
        action: Literal["add", "remove", "list"],
        role: discord.Role | None = None,
    ) -> None:
        assert interaction.guild is not None
        current = list((await self.bot.storage.guild_settings(interaction.guild.id)).moderator_roles)
        if action == "list":
            await self._reply(interaction)
            return
        if not _has(interaction, "manage_guild"):
            await interaction.response.send_message(
                "Only members with Manage Server decide who moderates careerbot.", ephemeral=True
            )
            return
        if role is None:
            await interaction.response.send_message(f"Name the role to {action}.", ephemeral=True)
            return
        if role.is_default():
            await interaction.response.send_message("@everyone can't be a moderator role.", ephemeral=True)
            return
        if action == "add" and role.id not in current:
            current.append(role.id)
        elif action == "remove" and role.id in current:
            current.remove(role.id)
        await self._update(interaction, moderator_roles=current)
        await self._reply(interaction, f"Moderator roles updated ({action} {role.mention}).")

    @app_commands.command(
        name="path-roles", description="Roles members may choose to take after their result (none clears)"
    )
    @app_commands.describe(
        ai="Role for an AI Engineer result",
        ml="Role for an ML Engineer result",
        hybrid="Role for a hybrid result",
    )
    async def path_roles(
        self,
        interaction: Interaction,
        ai: discord.Role | None = None,
        ml: discord.Role | None = None,
        hybrid: discord.Role | None = None,
    ) -> None:
        guild = interaction.guild
        assert guild is not None and isinstance(interaction.user, discord.Member)
        chosen = {o: r for o, r in {"ai": ai, "ml": ml, "hybrid": hybrid}.items() if r is not None}
        for outcome, role in chosen.items():
            problem = role_problem(guild, role) or caller_problem(interaction.user, role)
            if problem:
                await interaction.response.send_message(
                    f"{OUTCOME_NAMES[outcome]}: {problem}", ephemeral=True
                )
                return
        if chosen:  # only the roles named change; naming none clears all three
            await self._update(interaction, **{f"path_role_{o}": r.id for o, r in chosen.items()})
            note = "Path roles saved. Members get a “Give me the role” button on their result."
            if guild.me is not None and not guild.me.guild_permissions.manage_roles:
                note += "\n⚠️ I don't have the **Manage Roles** permission, so I can't give these roles until I get it."
        else:
            await self._update(interaction, path_role_ai=None, path_role_ml=None, path_role_hybrid=None)
            note = "Path roles cleared."
        await self._reply(interaction, note)

    @app_commands.command(
        name="mentions", description="Whether mentioning careerbot answers FAQ questions, and where"
    )
    @app_commands.describe(
        enabled="Answer mentions at all",
        channel="Limit answers to this channel (adds it to the list; no channel = everywhere)",
        remove="Take this channel off the list instead",
    )
    async def mentions(
        self,
        interaction: Interaction,
        enabled: bool,
        channel: discord.TextChannel | None = None,
        remove: bool = False,
    ) -> None:
        assert interaction.guild is not None
        channels = list((await self.bot.storage.guild_settings(interaction.guild.id)).mention_channels)
        if remove and channel is None:
            await interaction.response.send_message("Name the channel to take off the list.", ephemeral=True)
            return
        note = "Mention answers updated."
        if channel is not None and remove:
            channels = [c for c in channels if c != channel.id]
            if not channels and enabled:
                # An empty list means "everywhere": removing the last channel must not widen the setting.
                enabled = False
                note = "That was the last listed channel, so mention answers are now off everywhere."
        elif enabled and channel is not None and channel.id not in channels:
            channels.append(channel.id)
        elif enabled and channel is None:
            channels = []  # on everywhere
        await self._update(interaction, mentions_enabled=enabled, mention_channels=channels)
        await self._reply(interaction, note)

    @app_commands.command(
        name="retention", description="Days to keep FAQ question text and unfinished quiz sessions"
    )
    @app_commands.describe(days="Between 1 and 3650")
    async def retention(self, interaction: Interaction, days: app_commands.Range[int, 1, 3650]) -> None:
        await self._update(interaction, faq_retention_days=days, session_retention_days=days)
        await self._reply(interaction, f"Retention set to {days} days. The next housekeeping run applies it.")


def _has(interaction: Interaction, permission: str) -> bool:
    user = interaction.user
    return isinstance(user, discord.Member) and bool(getattr(user.guild_permissions, permission))


async def setup(bot: CareerBot) -> None:
    await bot.add_cog(Config(bot))
