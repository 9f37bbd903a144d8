"""The quiz's messages: a step or a result as embed + buttons. Presentation only."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord
from discord import ui

from bot.quiz.engine import option_order
from bot.quiz.service import Progress, faq_followups
from cogs.quiz.items import NavButton, OptionButton, ResultButton, StartButton
from cogs.quiz.render import question_embed, result_embed

if TYPE_CHECKING:
    from bot.client import CareerBot


def question_view(progress: Progress) -> ui.View:
    assert progress.step is not None
    view = ui.View(timeout=None)
    sid, step = progress.session.id, progress.step
    for option in option_order(step.question, sid):
        style = discord.ButtonStyle.success if option.id == step.selected else discord.ButtonStyle.primary
        view.add_item(OptionButton(sid, step.question.id, option.id, option.label, style))
    view.add_item(NavButton(sid, "back", disabled=step.phase == "main" and step.number == 1))
    view.add_item(NavButton(sid, "cancel"))
    return view


def result_view(session_id: int, *, can_share: bool, role_offer: bool) -> ui.View:
    view = ui.View(timeout=None)
    if can_share:
        view.add_item(ResultButton(session_id, "share"))
    view.add_item(ResultButton(session_id, "compare"))
    view.add_item(ResultButton(session_id, "retake"))
    if role_offer:
        view.add_item(ResultButton(session_id, "role"))
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
    followups = faq_followups(bot.faq, progress.explanation)
    role_offer = False
    if session.guild_id is not None:
        settings = await bot.storage.guild_settings(session.guild_id)
        role_offer = settings.path_role(progress.result.outcome) is not None
    return {
        "embed": result_embed(bot.content, progress.explanation, progress.result, followups=followups),
        "view": result_view(
            session.id, can_share=session.origin_channel_id is not None, role_offer=role_offer
        ),
    }


async def shown(bot: CareerBot, progress: Progress) -> dict[str, Any]:
    """The message for a step or a result."""
    if progress.step is not None:
        return {"embed": question_embed(progress.step, note=progress.note), "view": question_view(progress)}
    return await result_kwargs(bot, progress)
