"""/careerbot-config (moderators) and the opt-in path role a member can take from their result."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.storage import GuildSettings, SessionRow
from cogs._render import BRAND

if TYPE_CHECKING:
    from bot.client import CareerBot

Interaction = discord.Interaction["CareerBot"]
OUTCOME_NAMES = {"ai": "AI Engineer", "ml": "ML Engineer", "hybrid": "Hybrid"}


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


def role_problem(guild: discord.Guild, role: discord.Role) -> str | None:
    """Why the bot cannot hand out this role, or None when it can."""
    if role.is_default():
        return "@everyone can't be a path role."
    if role.managed:
        return f"{role.mention} is managed by an integration, so no bot can give it."
    me = guild.me
    if me is None:
        return "I can't see my own place in this server yet; try again in a minute."
    if role >= me.top_role:
        return f"{role.mention} is at or above my highest role; move my role above it first."
    return None


def settings_embed(guild: discord.Guild, s: GuildSettings, default_retention: int, k: int) -> discord.Embed:
    def role(rid: int | None) -> str:
        return f"<@&{rid}>" if rid else "not set"

    embed = discord.Embed(title=f"careerbot settings for {guild.name}", colour=BRAND)
    mods = ", ".join(f"<@&{r}>" for r in s.moderator_roles) or "none (Manage Server only)"
    embed.add_field(name="Moderator roles", value=mods, inline=False)
    embed.add_field(
        name="Path roles (members opt in)",
        value=f"AI: {role(s.path_role_ai)}\nML: {role(s.path_role_ml)}\nHybrid: {role(s.path_role_hybrid)}",
        inline=False,
    )
    where = ", ".join(f"<#{c}>" for c in s.mention_channels) or "every channel I can read"
    embed.add_field(
        name="Answer mentions", value=f"{'on' if s.mentions_enabled else 'off'}: {where}", inline=False
    )
    retention = s.faq_retention_days or default_retention
    sessions = f"{s.session_retention_days} days" if s.session_retention_days else "kept"
    embed.add_field(
        name="Retention",
        value=f"FAQ question text: {retention} days · unfinished quiz sessions: {sessions} · results: until the member forgets them",
        inline=False,
    )
    embed.set_footer(text=f"Statistics hide any group smaller than {k} members.")
    return embed


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

    async def _reply(self, interaction: Interaction, text: str | None = None) -> None:
        assert interaction.guild is not None
        s = await self.bot.storage.guild_settings(interaction.guild.id)
        embed = settings_embed(
            interaction.guild, s, self.bot.settings.faq_retention_days, self.bot.settings.suppression_k
        )
        await interaction.response.send_message(text, embed=embed, ephemeral=True)

    async def _update(self, interaction: Interaction, **changes: object) -> None:
        assert interaction.guild is not None
        await self.bot.storage.update_guild_settings(interaction.guild.id, time.time(), **changes)

    @app_commands.command(name="show", description="Show careerbot's settings for this server")
    async def show(self, interaction: Interaction) -> None:
        await self._reply(interaction)

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
        assert guild is not None
        chosen = {"ai": ai, "ml": ml, "hybrid": hybrid}
        for outcome, role in chosen.items():
            problem = role_problem(guild, role) if role is not None else None
            if problem:
                await interaction.response.send_message(
                    f"{OUTCOME_NAMES[outcome]}: {problem}", ephemeral=True
                )
                return
        await self._update(
            interaction, **{f"path_role_{o}": (r.id if r else None) for o, r in chosen.items()}
        )
        note = (
            "Path roles cleared."
            if not any(chosen.values())
            else "Path roles saved. Members get a “Give me the role” button on their result."
        )
        if any(chosen.values()) and guild.me is not None and not guild.me.guild_permissions.manage_roles:
            note += "\n⚠️ I don't have the **Manage Roles** permission, so I can't give these roles until I get it."
        await self._reply(interaction, note)

    @app_commands.command(
        name="mentions", description="Whether mentioning careerbot answers FAQ questions, and where"
    )
    @app_commands.describe(
        enabled="Answer mentions at all", channel="Limit answers to this channel (adds it to the list)"
    )
    async def mentions(
        self, interaction: Interaction, enabled: bool, channel: discord.TextChannel | None = None
    ) -> None:
        assert interaction.guild is not None
        channels = list((await self.bot.storage.guild_settings(interaction.guild.id)).mention_channels)
        if enabled and channel is not None and channel.id not in channels:
            channels.append(channel.id)
        elif enabled and channel is None:
            channels = []  # on everywhere
        await self._update(interaction, mentions_enabled=enabled, mention_channels=channels)
        await self._reply(interaction, "Mention answers updated.")

    @app_commands.command(
        name="retention", description="Days to keep FAQ question text and unfinished quiz sessions"
    )
    @app_commands.describe(days="Between 1 and 3650")
    async def retention(self, interaction: Interaction, days: app_commands.Range[int, 1, 3650]) -> None:
        await self._update(interaction, faq_retention_days=days, session_retention_days=days)
        await self._reply(interaction, f"Retention set to {days} days. The next housekeeping run applies it.")


async def give_path_role(interaction: Interaction, session: SessionRow) -> None:
    """The member's own opt-in: never automatic, because a role shows everyone the result."""
    bot = interaction.client
    result = await bot.storage.result_for_session(session.id)
    guild = bot.get_guild(session.guild_id) if session.guild_id else None
    if result is None or guild is None:
        await interaction.response.send_message("That server isn't available to me any more.", ephemeral=True)
        return
    settings = await bot.storage.guild_settings(guild.id)
    role_id = settings.path_role(result.outcome)
    role = guild.get_role(role_id) if role_id else None
    if role is None:
        await interaction.response.send_message(
            "This server has no role for that result any more.", ephemeral=True
        )
        return
    problem = role_problem(guild, role)
    if problem is None and guild.me is not None and not guild.me.guild_permissions.manage_roles:
        problem = "I don't have the Manage Roles permission there; ask a moderator."
    if problem:
        await interaction.response.send_message(problem, ephemeral=True)
        return
    await interaction.response.defer(ephemeral=True, thinking=True)
    try:
        # No members intent, so no member cache: fetch the member, then add the role.
        member = await guild.fetch_member(interaction.user.id)
        await member.add_roles(role, reason="careerbot: the member opted in to their result's role")
    except discord.NotFound:
        await interaction.followup.send(
            "You don't seem to be a member of that server any more.", ephemeral=True
        )
        return
    except discord.Forbidden:
        await interaction.followup.send("Discord refused: I'm not allowed to give that role.", ephemeral=True)
        return
    await bot.storage.record_role_grant(guild.id, interaction.user.id, role.id, time.time())
    await interaction.followup.send(
        f"Done: you now have the **{role.name}** role in {guild.name}.", ephemeral=True
    )


async def setup(bot: CareerBot) -> None:
    await bot.add_cog(Config(bot))
