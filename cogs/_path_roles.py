"""Path roles: which roles may be handed out, and the member's own opt-in from their result."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import discord

from bot.storage import SessionRow

if TYPE_CHECKING:
    from bot.client import CareerBot  # noqa: F401  (named in the string alias below)

Interaction = discord.Interaction["CareerBot"]

# Named apart so moderators get the sharper message; the allow rule below would refuse them too.
ELEVATED = discord.Permissions(
    administrator=True,
    manage_guild=True,
    manage_roles=True,
    manage_channels=True,
    manage_messages=True,
    manage_webhooks=True,
    kick_members=True,
    ban_members=True,
    moderate_members=True,
    mention_everyone=True,
)


def role_problem(guild: discord.Guild, role: discord.Role) -> str | None:
    """Why this role can't be a path role, or None when the bot can safely hand it out."""
    if role.is_default():
        return "@everyone can't be a path role."
    if role.managed:
        return f"{role.mention} is managed by an integration, so no bot can give it."
    if role.permissions.value & ELEVATED.value:
        return f"{role.mention} carries moderator-level permissions; pick a plain cosmetic role."
    # Allow rule, not a block list: anyone with the result can take the role, so it may add
    # nothing that every member (@everyone) doesn't already have here.
    extra = discord.Permissions(role.permissions.value & ~guild.default_role.permissions.value)
    if extra.value:
        names = ", ".join(name.replace("_", " ") for name, on in extra if on)
        return (
            f"{role.mention} carries permissions @everyone lacks here ({names}); "
            "pick a role with no extra permissions."
        )
    me = guild.me
    if me is None:
        return "I can't see my own place in this server yet; try again in a minute."
    if role >= me.top_role:
        return f"{role.mention} is at or above my highest role; move my role above it first."
    return None


def caller_problem(member: discord.Member, role: discord.Role) -> str | None:
    """Discord's own rule for people: manage roles, and only below your highest role."""
    if member.guild.owner_id == member.id:
        return None
    if not member.guild_permissions.manage_roles:
        return "choosing path roles needs the Manage Roles permission."
    if role >= member.top_role:
        return f"{role.mention} is at or above your own highest role."
    return None


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
