"""The quiz's messages: a step or a result as embed + buttons. Presentation only."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord
from discord import ui

from bot.quiz.engine import option_order
from bot.quiz.service import Progress
from cogs.quiz.items import ResultButton, StartButton, nav_button, option_button
from cogs.quiz.render import question_embed, result_embed

if TYPE_CHECKING:
    from bot.client import CareerBot


def question_view(progress: Progress) -> ui.View:
    """A step's buttons, sent as plain buttons in a view that is stopped before it is sent.

    The DynamicItem templates (items.py), registered when the cog loads, answer every click by its
    custom_id, so discord.py need not keep this view: a stopped view is not stored. Plain buttons cost
    half as much to build as DynamicItems, and this runs on every click."""
    assert progress.step is not None
    view = ui.View(timeout=None)
    sid, step = progress.session.id, progress.step
    for option in option_order(step.question, sid):
        style = discord.ButtonStyle.success if option.id == step.selected else discord.ButtonStyle.primary
        view.add_item(option_button(sid, step.question.id, option.id, option.label, style))
    view.add_item(nav_button(sid, "back", disabled=step.phase == "main" and step.number == 1))
    view.add_item(nav_button(sid, "cancel"))
    view.stop()
    return view


def result_view(session_id: int, *, can_share: bool, role_name: str | None) -> ui.View:
    view = ui.View(timeout=None)
    for detail in ("why", "skills", "salary", "faq"):
        view.add_item(ResultButton(session_id, detail))
    if can_share:
        view.add_item(ResultButton(session_id, "share"))
    view.add_item(ResultButton(session_id, "compare"))
    view.add_item(ResultButton(session_id, "retake"))
    if role_name is not None:
        view.add_item(ResultButton(session_id, "role", label=f"Give me the {role_name} role"[:80]))
        view.add_item(ResultButton(session_id, "unrole", label=f"Remove my {role_name} role"[:80]))
    return view


def offer_view(session_id: int, *actions: str) -> ui.View:
    """Resume / Start over, or "Take it here instead"."""
    view = ui.View(timeout=None)
    for action in actions:
        view.add_item(StartButton(action, session_id))
    return view


async def result_kwargs(bot: CareerBot, progress: Progress) -> dict[str, Any]:
    assert progress.result is not None and progress.explanation is not None
    session = progress.session
    return {
        "embed": result_embed(bot.content, progress.explanation, progress.result),
        "view": result_view(
            session.id,
            can_share=session.origin_channel_id is not None,
            role_name=await path_role_name(bot, session.guild_id, progress.result.outcome),
        ),
    }


async def path_role_name(bot: CareerBot, guild_id: int | None, outcome: str) -> str | None:
    """The name of the server's role for this result, when there is one the bot can see."""
    if guild_id is None:
        return None
    role_id = (await bot.storage.guild_settings(guild_id)).path_role(outcome)
    guild = bot.get_guild(guild_id)
    role = guild.get_role(role_id) if guild is not None and role_id else None
    return role.name if role is not None else None


async def shown(bot: CareerBot, progress: Progress) -> dict[str, Any]:
    """The message for a step or a result."""
    if progress.step is not None:
        return {"embed": question_embed(progress.step, note=progress.note), "view": question_view(progress)}
    return await result_kwargs(bot, progress)
