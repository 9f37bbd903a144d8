"""One base for every button and menu: one guard, ownership in ``interaction_check``, an error reference.

A feature's button subclasses ``GuardedButton`` (a menu ``GuardedSelect``) with its ``template``, says who may click it
(``owner_id``) and what a click does (``run``). Refusals (``Refusal`` or any exception whose class is in
``REFUSALS``) become one polite ephemeral line; anything else is logged and answered with a reference.
Every template is recorded, so ``unroutable`` can tell which of the bot's custom ids no item will
answer (an old layout, a forged or overflowing id): the catch-all listener answers those.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar, TypeVar

import discord
from discord import ui

from bot.client import CareerBot, answer_error, say

AnyInteraction = discord.Interaction[Any]
# discord.py types DynamicItem hooks against any client; ours always run under CareerBot.
Interaction = discord.Interaction[CareerBot]

ID = r"\d{1,18}"  # database row ids: 18 digits always fit SQLite's signed 64-bit integers
SNOWFLAKE = r"\d{1,20}"  # Discord ids, compared as Python ints only, never bound to SQL
STALE_TEXT = "This button no longer works. Run /careerquiz to continue."
NOT_YOURS_TEXT = "This button belongs to someone else."

REFUSALS: list[type[Exception]] = []  # features add their domain errors (e.g. QuizError)
_TEMPLATES: list[re.Pattern[str]] = []
_PREFIXES: dict[str, str] = {}  # custom_id prefix -> what to say when no item answers it


class Refusal(Exception):
    """A click the member may not make; the message is safe and useful to show them."""


async def answer_failure(interaction: AnyInteraction, error: BaseException) -> None:
    if isinstance(error, (Refusal, *REFUSALS)):
        await say(interaction, str(error))
    else:
        await answer_error(interaction, error)


ItemT = TypeVar("ItemT", ui.Button[Any], ui.Select[Any])


class GuardedItem(ui.DynamicItem[ItemT], template=r"(?!)"):
    """Base class; subclasses pass ``template=...`` and implement ``run`` (and ``owner_id``)."""

    not_yours: ClassVar[str] = NOT_YOURS_TEXT
    stale: ClassVar[str] = STALE_TEXT  # said for an old or forged id of this feature

    def __init_subclass__(cls, *, template: str | re.Pattern[str]) -> None:
        super().__init_subclass__(template=template)
        pattern = cls.__discord_ui_compiled_template__
        _TEMPLATES.append(pattern)
        prefix = re.match(r"[a-z]+:", pattern.pattern)
        if prefix is not None:
            _PREFIXES[prefix.group()] = cls.stale

    async def owner_id(self, interaction: Interaction) -> int | None:
        """Who may click; None lets anyone (e.g. a public card). May raise a refusal."""
        return None

    async def run(self, interaction: Interaction) -> None:
        raise NotImplementedError

    async def interaction_check(self, interaction: AnyInteraction, /) -> bool:
        try:
            owner = await self.owner_id(interaction)
        except Exception as exc:
            await answer_failure(interaction, exc)
            return False
        if owner is not None and owner != interaction.user.id:
            await say(interaction, self.not_yours)
            return False
        return True

    async def callback(self, interaction: AnyInteraction) -> None:
        try:
            await self.run(interaction)
        except Exception as exc:
            await answer_failure(interaction, exc)


class GuardedButton(GuardedItem[ui.Button[Any]], template=r"(?!)"):
    """A button on the one guard path."""


class GuardedSelect(GuardedItem[ui.Select[Any]], template=r"(?!)"):
    """A select menu on the one guard path."""


def unroutable(custom_id: str, message: discord.Message | None) -> bool:
    """True for one of the bot's custom ids that no item will answer.

    discord.py calls a DynamicItem only when its template matches AND the clicked message shows that
    component; anything else (an old layout, a forged or overflowing id) would get no answer at all.
    """
    if not any(custom_id.startswith(p) for p in _PREFIXES):
        return False
    if not any(t.fullmatch(custom_id) for t in _TEMPLATES):
        return True
    shown = message is not None and any(
        getattr(child, "custom_id", None) == custom_id
        for row in message.components
        for child in getattr(row, "children", [row])
    )
    return not shown


async def answer_unroutable(interaction: AnyInteraction) -> None:
    """The catch-all: register as an ``on_interaction`` listener so no click goes unanswered."""
    if interaction.type is not discord.InteractionType.component or interaction.data is None:
        return
    custom_id = interaction.data.get("custom_id")
    if isinstance(custom_id, str) and unroutable(custom_id, interaction.message):
        await say(interaction, next(t for p, t in _PREFIXES.items() if custom_id.startswith(p)))
