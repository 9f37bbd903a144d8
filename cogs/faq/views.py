"""The FAQ's buttons and menus as DynamicItems (votes, topic buttons, the topic select): clicks
survive restarts because the custom_id carries everything needed."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import discord
from discord import ui

from bot.client import answer_error
from bot.content import FaqEntry
from bot.faq import SMALL_TALK_REPLY, Match
from cogs._render import fit
from cogs._shared import ID, GuardedButton, Interaction
from cogs.faq.render import DECLINE_TEXT, answer_embed

if TYPE_CHECKING:
    from bot.client import CareerBot

AnyInteraction = discord.Interaction[Any]
SELECT_MAX = 25
ENTRY_ID = r"[a-z0-9-]{1,60}"


def answer_view(entry: FaqEntry, query_id: int) -> ui.View:
    view = ui.View(timeout=None)
    view.add_item(VoteButton(entry.id, "up", query_id))
    view.add_item(VoteButton(entry.id, "down", query_id))
    return view


def decline_message(match: Match) -> tuple[str, ui.View]:
    """What a member sees when the article does not answer: "not covered" with nearby topics, or,
    for a plain greeting or thanks, a short pointer to what the bot does."""
    view = ui.View(timeout=None)
    if match.small_talk:
        return SMALL_TALK_REPLY[match.small_talk], view
    text = DECLINE_TEXT
    if match.suggestions:
        text += "\nMaybe one of these helps:"
        for entry in match.suggestions[:3]:
            view.add_item(TopicButton(entry.id, entry.topic))
    return text, view


def topics_view(entries: list[FaqEntry]) -> ui.View:
    """Every topic in select menus of at most 25 options each (Discord's limit), one per row."""
    view = ui.View(timeout=None)
    for page, start in enumerate(range(0, min(len(entries), SELECT_MAX * 5), SELECT_MAX)):
        chunk = entries[start : start + SELECT_MAX]
        view.add_item(TopicSelect(page, chunk))
    return view


async def show_entry(interaction: AnyInteraction, entry: FaqEntry) -> None:
    """Answer with an entry chosen from a button or the select, storing it like a question."""
    bot: CareerBot = interaction.client
    query_id = await bot.faq_answers.chosen(entry, user_id=interaction.user.id, guild_id=interaction.guild_id)
    await interaction.response.send_message(
        embed=answer_embed(bot, entry), view=answer_view(entry, query_id), ephemeral=True
    )


async def show_entry_id(interaction: AnyInteraction, entry_id: str) -> None:
    """A topic chosen by button or menu: its answer, or a note when the content no longer has it."""
    bot: CareerBot = interaction.client
    entry = bot.content.faq.entry(entry_id)
    if entry is None:
        await interaction.response.send_message("That topic no longer exists.", ephemeral=True)
        return
    await show_entry(interaction, entry)


class VoteButton(GuardedButton, template=rf"faqv:(?P<entry>{ENTRY_ID}):(?P<vote>up|down):(?P<q>{ID})"):
    """👍/👎 under an answer: anyone who sees it may vote (a public answer is for everyone)."""

    def __init__(self, entry_id: str, vote: str, query_id: int) -> None:
        self.entry_id, self.vote, self.query_id = entry_id, vote, query_id
        super().__init__(
            ui.Button(
                label="Helpful" if vote == "up" else "Not helpful",
                emoji="👍" if vote == "up" else "👎",
                style=discord.ButtonStyle.secondary,
                custom_id=f"faqv:{entry_id}:{vote}:{query_id}",
            )
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: AnyInteraction, item: ui.Item[Any], match: re.Match[str], /
    ) -> VoteButton:
        return cls(match["entry"], match["vote"], int(match["q"]))

    async def run(self, interaction: Interaction) -> None:
        bot = interaction.client
        if bot.content.faq.entry(self.entry_id) is None:
            await interaction.response.send_message("That answer no longer exists.", ephemeral=True)
            return
        await bot.faq_answers.vote(
            user_id=interaction.user.id,
            entry_id=self.entry_id,
            guild_id=interaction.guild_id,
            up=self.vote == "up",
            query_id=self.query_id,
        )
        if self.vote == "up":
            text = "Thanks, your 👍 is noted. Changed your mind? Click 👎."
        else:
            text = (
                "Thanks, your 👎 is noted: moderators may read the question's wording (never who asked) "
                "to improve my answers. Changed your mind? Click 👍."
            )
        await interaction.response.send_message(text, ephemeral=True)


class TopicButton(GuardedButton, template=rf"faqt:(?P<entry>{ENTRY_ID})"):
    """A nearby topic offered on a decline: its answer, privately."""

    def __init__(self, entry_id: str, label: str = "…") -> None:
        self.entry_id = entry_id
        super().__init__(
            ui.Button(label=label, style=discord.ButtonStyle.primary, custom_id=f"faqt:{entry_id}")
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: AnyInteraction, item: ui.Item[Any], match: re.Match[str], /
    ) -> TopicButton:
        label = item.label if isinstance(item, ui.Button) and item.label else "…"
        return cls(match["entry"], label)

    async def run(self, interaction: Interaction) -> None:
        await show_entry_id(interaction, self.entry_id)


class TopicSelect(ui.DynamicItem[ui.Select[Any]], template=r"faqs:(?P<page>\d)"):
    def __init__(self, page: int, entries: list[FaqEntry] | None = None) -> None:
        self.page = page
        options = [
            discord.SelectOption(label=fit(e.topic, 100), value=e.id, description=fit(e.question, 100))
            for e in entries or []
        ]
        super().__init__(
            ui.Select(
                custom_id=f"faqs:{page}",
                placeholder="Pick a topic" if page == 0 else "More topics",
                options=options or [discord.SelectOption(label="…", value="none")],
            )
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: AnyInteraction, item: ui.Item[Any], match: re.Match[str], /
    ) -> TopicSelect:
        return cls(int(match["page"]))

    async def callback(self, interaction: AnyInteraction) -> None:
        values = self.item.values  # filled from the interaction by discord.py
        try:
            await show_entry_id(interaction, values[0] if values else "")
        except Exception as exc:
            await answer_error(interaction, exc)


FAQ_DYNAMIC_ITEMS: tuple[type[ui.DynamicItem[Any]], ...] = (VoteButton, TopicButton, TopicSelect)
