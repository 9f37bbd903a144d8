"""Quiz buttons as DynamicItems: the custom_id carries the session, so clicks survive restarts.

Each item parses its custom_id, asks bot/quiz_service.py what to do, and renders the answer. No
scoring and no SQL here.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, ClassVar

import discord
from discord import ui

from bot.client import answer_error, say, within_budget
from bot.quiz import QuizError
from bot.quiz_service import Progress, faq_followups
from cogs._quiz_render import question_embed, result_embed

if TYPE_CHECKING:
    from bot.client import CareerBot

Interaction = discord.Interaction["CareerBot"]
# discord.py types DynamicItem hooks against any client; our items always run under CareerBot.
AnyInteraction = discord.Interaction[Any]


async def guarded(interaction: Interaction, action: Callable[[], Awaitable[None]]) -> None:
    """Run a click: domain refusals become a polite ephemeral line; anything else gets a reference."""
    try:
        await action()
    except QuizError as exc:
        await say(interaction, str(exc))
    except Exception as exc:
        await answer_error(interaction, exc)


def question_view(progress: Progress) -> ui.View:
    assert progress.step is not None
    view = ui.View(timeout=None)
    sid, step = progress.session.id, progress.step
    for option in step.question.options:
        style = discord.ButtonStyle.success if option.id == step.selected else discord.ButtonStyle.primary
        view.add_item(OptionButton(sid, step.question.id, option.id, option.label, style))
    view.add_item(NavButton(sid, "back", disabled=step.phase == "main" and step.number == 1))
    view.add_item(NavButton(sid, "cancel"))
    return view


def result_view(bot: CareerBot, progress_or_session_id: int, *, can_share: bool, role_offer: bool) -> ui.View:
    view = ui.View(timeout=None)
    sid = progress_or_session_id
    if can_share:
        view.add_item(ResultButton(sid, "share"))
    view.add_item(ResultButton(sid, "compare"))
    view.add_item(ResultButton(sid, "retake"))
    if role_offer:
        view.add_item(ResultButton(sid, "role"))
    return view


async def shown(bot: CareerBot, progress: Progress) -> dict[str, Any]:
    """The message for a step or a result."""
    if progress.step is not None:
        return {"embed": question_embed(progress.step, note=progress.note), "view": question_view(progress)}
    return await result_kwargs(bot, progress)


async def render(interaction: Interaction, progress: Progress, *, edit: bool = True) -> None:
    """Show a step or a result, editing the clicked message in place (or sending a new one)."""
    kwargs = await shown(interaction.client, progress)
    if edit:
        await interaction.response.edit_message(**kwargs)
    elif progress.session.mode == "channel":
        await interaction.response.send_message(**kwargs, ephemeral=True)
    else:
        await interaction.response.send_message(**kwargs)


async def edit_in_time(interaction: Interaction, work: Awaitable[Progress]) -> None:
    """Edit the clicked message with ``work``'s outcome, acknowledging first if it runs late.

    Discord fails an interaction not acknowledged within 3 s. A click normally answers in
    milliseconds with one edit; under heavy load it is deferred (type 6) before the deadline and
    the message edited when the work is done, so the member never sees "This interaction failed".
    """
    task = asyncio.ensure_future(work)
    if await within_budget(interaction, task):
        await interaction.response.edit_message(**await shown(interaction.client, task.result()))
        return
    await interaction.response.defer()
    await interaction.edit_original_response(**await shown(interaction.client, await task))


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
            bot, session.id, can_share=session.origin_channel_id is not None, role_offer=role_offer
        ),
    }


class OptionButton(
    ui.DynamicItem[ui.Button[Any]], template=r"cq:(?P<sid>\d+):(?P<q>[a-z0-9-]+):(?P<o>[a-z0-9-]+)"
):
    def __init__(
        self,
        sid: int,
        question: str,
        option: str,
        label: str = "…",
        style: discord.ButtonStyle = discord.ButtonStyle.primary,
    ) -> None:
        self.sid, self.question, self.option = sid, question, option
        super().__init__(
            ui.Button(label=label, style=style, custom_id=f"cq:{sid}:{question}:{option}", row=0)
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: AnyInteraction, item: ui.Item[Any], match: re.Match[str], /
    ) -> OptionButton:
        button = item if isinstance(item, ui.Button) else None
        label = button.label if button and button.label else "…"
        style = button.style if button else discord.ButtonStyle.primary
        return cls(int(match["sid"]), match["q"], match["o"], label, style)

    async def callback(self, interaction: AnyInteraction) -> None:
        async def run() -> None:
            quizzes = interaction.client.quizzes
            await edit_in_time(
                interaction, quizzes.answer(self.sid, interaction.user.id, self.question, self.option)
            )

        await guarded(interaction, run)


NAV_LABELS = {
    "back": ("◀ Back", discord.ButtonStyle.secondary),
    "cancel": ("Cancel quiz", discord.ButtonStyle.danger),
}


class NavButton(ui.DynamicItem[ui.Button[Any]], template=r"cqn:(?P<sid>\d+):(?P<action>back|cancel)"):
    def __init__(self, sid: int, action: str, *, disabled: bool = False) -> None:
        self.sid, self.action = sid, action
        label, style = NAV_LABELS[action]
        super().__init__(
            ui.Button(label=label, style=style, custom_id=f"cqn:{sid}:{action}", row=1, disabled=disabled)
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: AnyInteraction, item: ui.Item[Any], match: re.Match[str], /
    ) -> NavButton:
        return cls(int(match["sid"]), match["action"])

    async def callback(self, interaction: AnyInteraction) -> None:
        quizzes = interaction.client.quizzes

        async def run() -> None:
            if self.action == "back":
                await edit_in_time(interaction, quizzes.back(self.sid, interaction.user.id))
                return
            await quizzes.cancel(self.sid, interaction.user.id)
            embed = discord.Embed(
                title="Quiz cancelled",
                description="Nothing more will be asked. Use /careerquiz whenever you want to start again.",
            )
            await interaction.response.edit_message(embed=embed, view=None)

        await guarded(interaction, run)


RESULT_LABELS = {
    "share": ("Share to server", discord.ButtonStyle.primary),
    "compare": ("Compare salaries", discord.ButtonStyle.secondary),
    "retake": ("Retake", discord.ButtonStyle.secondary),
    "role": ("Give me the role", discord.ButtonStyle.success),
}


class ResultButton(
    ui.DynamicItem[ui.Button[Any]], template=r"cqr:(?P<sid>\d+):(?P<action>share|compare|retake|role)"
):
    def __init__(self, sid: int, action: str) -> None:
        self.sid, self.action = sid, action
        label, style = RESULT_LABELS[action]
        super().__init__(ui.Button(label=label, style=style, custom_id=f"cqr:{sid}:{action}"))

    @classmethod
    async def from_custom_id(
        cls, interaction: AnyInteraction, item: ui.Item[Any], match: re.Match[str], /
    ) -> ResultButton:
        return cls(int(match["sid"]), match["action"])

    async def callback(self, interaction: AnyInteraction) -> None:
        from cogs import careerquiz

        await guarded(interaction, lambda: careerquiz.on_result_button(interaction, self.sid, self.action))


class StartButton(
    ui.DynamicItem[ui.Button[Any]], template=r"cqs:(?P<action>resume|restart|here):(?P<sid>\d+)"
):
    """Resume / Start over when a session is open, and "Take it here instead" when DMs are closed."""

    LABELS: ClassVar[dict[str, tuple[str, discord.ButtonStyle]]] = {
        "resume": ("Resume", discord.ButtonStyle.primary),
        "restart": ("Start over", discord.ButtonStyle.secondary),
        "here": ("Take it here instead", discord.ButtonStyle.primary),
    }

    def __init__(self, action: str, sid: int) -> None:
        self.action, self.sid = action, sid
        label, style = self.LABELS[action]
        super().__init__(ui.Button(label=label, style=style, custom_id=f"cqs:{action}:{sid}"))

    @classmethod
    async def from_custom_id(
        cls, interaction: AnyInteraction, item: ui.Item[Any], match: re.Match[str], /
    ) -> StartButton:
        return cls(match["action"], int(match["sid"]))

    async def callback(self, interaction: AnyInteraction) -> None:
        from cogs import careerquiz

        await guarded(interaction, lambda: careerquiz.on_start_button(interaction, self.action, self.sid))


DYNAMIC_ITEMS: tuple[type[ui.DynamicItem[Any]], ...] = (OptionButton, NavButton, ResultButton, StartButton)
