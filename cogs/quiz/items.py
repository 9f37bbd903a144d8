"""Quiz buttons as DynamicItems: the custom_id carries the session, so clicks survive restarts.

Items parse their custom_id, check ownership (``owner_id``, run by the shared base's
``interaction_check``) and hand the click to the quiz cog through the ``Flows`` protocol, so this module
imports neither the flows nor the views: no import cycle, no scoring, no SQL.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

import discord
from discord import ui

from bot.quiz.engine import QuizError
from bot.quiz.service import UnknownSession
from cogs._shared import REFUSALS, AnyInteraction, GuardedButton, Interaction
from cogs.quiz import ids

if TYPE_CHECKING:
    from cogs.quiz.cog import CareerQuiz

REFUSALS.append(QuizError)
COG_NAME = "CareerQuiz"


class Flows(Protocol):
    """What a click asks of the quiz cog."""

    async def answer(self, interaction: Interaction, sid: int, question: str, option: str) -> None: ...
    async def nav(self, interaction: Interaction, sid: int, action: str) -> None: ...
    async def result_button(self, interaction: Interaction, sid: int, action: str) -> None: ...
    async def start_button(self, interaction: Interaction, action: str, sid: int) -> None: ...


def flows(interaction: Interaction) -> Flows:
    cog: CareerQuiz | None = interaction.client.get_cog(COG_NAME)  # type: ignore[assignment]
    assert cog is not None, "the quiz extension is loaded whenever its buttons are registered"
    return cog


class SessionButton(GuardedButton, template=r"(?!)"):
    """A button of one quiz session: only the session's member may click it."""

    sid: int
    not_yours = "This quiz belongs to someone else. Use /careerquiz to take your own."

    async def owner_id(self, interaction: Interaction) -> int | None:
        session = await interaction.client.storage.session(self.sid)
        if session is None:
            raise UnknownSession()
        return session.user_id


class InWorkButton(SessionButton, template=r"(?!)"):
    """A click whose flow checks ownership (and that the session exists) in the service, inside the
    work ``flows.edit_in_time`` keeps within the acknowledgement budget: answer, back, cancel.

    A lookup here, in ``interaction_check``, would wait for a database connection before anything
    could acknowledge the click; under load (1,000 members, 10 pooled connections) that wait alone outlasted
    Discord's 3 s. The service says the same "belongs to someone else" line."""

    async def owner_id(self, interaction: Interaction) -> int | None:
        return None


def option_button(
    sid: int,
    question: str,
    option: str,
    label: str = "…",
    style: discord.ButtonStyle = discord.ButtonStyle.primary,
) -> ui.Button[Any]:
    """An answer's button as sent (views.py sends it plain; OptionButton answers its clicks)."""
    return ui.Button(label=label, style=style, custom_id=ids.option_id(sid, question, option), row=0)


def nav_button(sid: int, action: str, *, disabled: bool = False) -> ui.Button[Any]:
    """Back or Cancel as sent (views.py sends it plain; NavButton answers its clicks)."""
    label, style = NAV_LABELS[action]
    return ui.Button(label=label, style=style, custom_id=ids.nav_id(sid, action), row=1, disabled=disabled)


class OptionButton(InWorkButton, template=ids.OPTION):
    def __init__(
        self,
        sid: int,
        question: str,
        option: str,
        label: str = "…",
        style: discord.ButtonStyle = discord.ButtonStyle.primary,
    ) -> None:
        self.sid, self.question, self.option = sid, question, option
        super().__init__(option_button(sid, question, option, label, style))

    @classmethod
    async def from_custom_id(
        cls, interaction: AnyInteraction, item: ui.Item[Any], match: re.Match[str], /
    ) -> OptionButton:
        button = item if isinstance(item, ui.Button) else None
        label = button.label if button and button.label else "…"
        style = button.style if button else discord.ButtonStyle.primary
        return cls(int(match["sid"]), match["q"], match["o"], label, style)

    async def run(self, interaction: Interaction) -> None:
        await flows(interaction).answer(interaction, self.sid, self.question, self.option)


NAV_LABELS = {
    "back": ("◀ Back", discord.ButtonStyle.secondary),
    "cancel": ("Cancel quiz", discord.ButtonStyle.danger),
}


class NavButton(InWorkButton, template=ids.NAV):
    def __init__(self, sid: int, action: str, *, disabled: bool = False) -> None:
        self.sid, self.action = sid, action
        super().__init__(nav_button(sid, action, disabled=disabled))

    @classmethod
    async def from_custom_id(
        cls, interaction: AnyInteraction, item: ui.Item[Any], match: re.Match[str], /
    ) -> NavButton:
        return cls(int(match["sid"]), match["action"])

    async def run(self, interaction: Interaction) -> None:
        await flows(interaction).nav(interaction, self.sid, self.action)


RESULT_LABELS = {
    "why": ("Why", discord.ButtonStyle.secondary),
    "skills": ("Skills to learn", discord.ButtonStyle.secondary),
    "salary": ("Salary details", discord.ButtonStyle.secondary),
    "faq": ("More questions", discord.ButtonStyle.secondary),
    "share": ("Share to server", discord.ButtonStyle.primary),
    "compare": ("Compare salaries", discord.ButtonStyle.secondary),
    "retake": ("Retake", discord.ButtonStyle.secondary),
    "role": ("Give me the role", discord.ButtonStyle.success),
    "unrole": ("Remove my role", discord.ButtonStyle.secondary),
}


class ResultButton(SessionButton, template=ids.RESULT):
    def __init__(self, sid: int, action: str, label: str | None = None) -> None:
        self.sid, self.action = sid, action
        default, style = RESULT_LABELS[action]
        row = 0 if action in ("why", "skills", "salary", "faq") else 1
        super().__init__(
            ui.Button(label=label or default, style=style, custom_id=ids.result_id(sid, action), row=row)
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: AnyInteraction, item: ui.Item[Any], match: re.Match[str], /
    ) -> ResultButton:
        return cls(int(match["sid"]), match["action"])

    async def run(self, interaction: Interaction) -> None:
        await flows(interaction).result_button(interaction, self.sid, self.action)


class StartButton(SessionButton, template=ids.START):
    """Resume / Start over when a session is open, and "Take it here instead" when DMs are closed."""

    LABELS: ClassVar[dict[str, tuple[str, discord.ButtonStyle]]] = {
        "resume": ("Resume", discord.ButtonStyle.primary),
        "restart": ("Start over", discord.ButtonStyle.secondary),
        "here": ("Take it here instead", discord.ButtonStyle.primary),
    }

    def __init__(self, action: str, sid: int) -> None:
        self.action, self.sid = action, sid
        label, style = self.LABELS[action]
        super().__init__(ui.Button(label=label, style=style, custom_id=ids.start_id(action, sid)))

    @classmethod
    async def from_custom_id(
        cls, interaction: AnyInteraction, item: ui.Item[Any], match: re.Match[str], /
    ) -> StartButton:
        return cls(match["action"], int(match["sid"]))

    async def run(self, interaction: Interaction) -> None:
        await flows(interaction).start_button(interaction, self.action, self.sid)


DYNAMIC_ITEMS: tuple[type[ui.DynamicItem[Any]], ...] = (OptionButton, NavButton, ResultButton, StartButton)
