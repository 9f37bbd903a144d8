"""Moderators teach their server's answerer from /quizstats faq.

Pick a declined or 👎'd question (menu under the review) → pick the answer it should have got, or
"Not for this bot" → edit the wording in a modal → it is stored as this server's example, with no
member attached, and the server's answerer refits in the background. The menus' ids carry a digest of
the wording, never a question's row id (which would lead to the member who asked).
"""

from __future__ import annotations

import asyncio
import hashlib
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands, ui

from bot.client import answer_error, say
from bot.content import NONE_LABEL, FaqEntry
from bot.faq.service import STORED_MAX, TeachError
from cogs._render import fit
from cogs._shared import GuardedSelect, Interaction, Refusal
from cogs.faq.render import NOT_FOR_THIS_BOT, label_name
from cogs.moderation import is_moderator

if TYPE_CHECKING:
    from bot.client import CareerBot
    from bot.stats.service import FaqReview

AnyInteraction = discord.Interaction[Any]
SELECT_MAX = 25
DIGEST = r"[0-9a-f]{16}"
GONE = (
    "That question is no longer stored (retention or a member's /careerbot forget removed it). "
    "Run /quizstats faq again for a fresh menu."
)
KIND_TEXT = {"declined": "no answer given", "downvoted": "answer got 👎", "noise": "off-topic"}


def digest(wording: str) -> str:
    """A short id for a wording: the menus carry this, not the row (and so not the member) it came from."""
    return hashlib.blake2b(wording.strip().encode(), digest_size=8).hexdigest()


async def _wording(interaction: AnyInteraction, key: str) -> str | None:
    """The stored declined or 👎'd wording whose digest is `key`, in this server only."""
    bot: CareerBot = interaction.client
    assert interaction.guild_id is not None
    for text in await bot.storage.review_wordings(interaction.guild_id):
        if digest(text) == key:
            return text.strip()
    return None


def teach_view(review: FaqReview) -> ui.View | None:
    """The menu under /quizstats faq: one option per reviewed question (none when there are none)."""
    options: dict[str, discord.SelectOption] = {}
    for g in review.groups:
        key = digest(g.sample)
        if key not in options and len(options) < SELECT_MAX:
            options[key] = discord.SelectOption(
                label=fit(g.sample, 100), value=key, description=KIND_TEXT.get(g.kind)
            )
    if not options:
        return None
    view = ui.View(timeout=None)
    view.add_item(TeachPick(list(options.values())))
    return view


def answer_menus(entries: Sequence[FaqEntry], key: str) -> ui.View:
    """ "Not for this bot" and every entry, in menus of at most 25 options (Discord's limit)."""
    options = [discord.SelectOption(label=NOT_FOR_THIS_BOT, value=NONE_LABEL, emoji="🚫")] + [
        discord.SelectOption(label=fit(e.topic, 100), value=e.id, description=fit(e.question, 100))
        for e in entries
    ]
    view = ui.View(timeout=None)
    for page, start in enumerate(range(0, min(len(options), SELECT_MAX * 5), SELECT_MAX)):
        view.add_item(AnswerPick(key, page, options[start : start + SELECT_MAX]))
    return view


class _ModeratorSelect(GuardedSelect, template=r"(?!)"):
    """A select only this server's moderators may use (the shared guard: a refusal is one polite line,
    anything else is logged and answered with a reference)."""

    stale = "This menu no longer works. Run /quizstats faq again for a fresh one."

    async def owner_id(self, interaction: Interaction) -> int | None:
        try:
            await is_moderator(interaction)  # refuses DMs too: there is no server to teach
        except app_commands.CheckFailure as exc:
            raise Refusal(str(exc)) from None
        return None

    async def run(self, interaction: Interaction) -> None:
        values = self.item.values
        await self.act(interaction, values[0] if len(values) == 1 else "")

    async def act(self, interaction: Interaction, value: str) -> None:
        raise NotImplementedError


class TeachPick(_ModeratorSelect, template=r"faqteach:q"):
    """Under the review: which question to teach."""

    def __init__(self, options: list[discord.SelectOption] | None = None) -> None:
        super().__init__(
            ui.Select(
                custom_id="faqteach:q",
                placeholder="Teach the FAQ from one of these questions…",
                options=options or [discord.SelectOption(label="…", value="0" * 16)],
            )
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: AnyInteraction, item: ui.Item[Any], match: re.Match[str], /
    ) -> TeachPick:
        return cls()

    async def act(self, interaction: Interaction, value: str) -> None:
        wording = await _wording(interaction, value) if re.fullmatch(DIGEST, value) else None
        if wording is None:
            raise Refusal(GONE)
        await interaction.response.send_message(
            f"Teach: “{fit(wording, 300)}”\nPick the answer it should have got, or “{NOT_FOR_THIS_BOT}”. "
            "You can edit the wording before it is saved. It becomes this server's example, kept without "
            "the member's name, so take out anything personal.",
            view=answer_menus(interaction.client.content.faq.entries, value),
            ephemeral=True,
        )


class AnswerPick(_ModeratorSelect, template=rf"faqteach:a:(?P<key>{DIGEST}):(?P<page>\d)"):
    """The answer the chosen question should get: opens the wording modal."""

    def __init__(self, key: str, page: int, options: list[discord.SelectOption] | None = None) -> None:
        self.key = key
        super().__init__(
            ui.Select(
                custom_id=f"faqteach:a:{key}:{page}",
                placeholder="The answer it should get…" if page == 0 else "More answers…",
                options=options or [discord.SelectOption(label="…", value=NONE_LABEL)],
            )
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: AnyInteraction, item: ui.Item[Any], match: re.Match[str], /
    ) -> AnswerPick:
        return cls(match["key"], int(match["page"]))

    async def act(self, interaction: Interaction, value: str) -> None:
        content = interaction.client.content
        if value != NONE_LABEL and content.faq.entry(value) is None:
            raise Refusal("That answer no longer exists. Run /quizstats faq again for a fresh menu.")
        wording = await _wording(interaction, self.key)
        if wording is None:
            raise Refusal(GONE)
        await interaction.response.send_modal(TeachModal(value, label_name(content, value), wording))


class TeachModal(ui.Modal, title="Teach the FAQ"):
    wording: ui.TextInput[TeachModal] = ui.TextInput(
        label="The question, as members would ask it",
        style=discord.TextStyle.paragraph,
        max_length=STORED_MAX,
        custom_id="wording",
    )

    def __init__(self, label: str, label_text: str, wording: str) -> None:
        super().__init__(custom_id=f"faqteach:m:{label}", timeout=900)
        self.label, self.label_text = label, label_text
        self.wording.default = wording[:STORED_MAX]
        self.wording.placeholder = fit(f"Will get: {label_text}", 100)

    async def on_submit(self, interaction: discord.Interaction[CareerBot]) -> None:  # type: ignore[override]
        await is_moderator(interaction)
        assert interaction.guild_id is not None
        bot = interaction.client
        text = self.wording.value
        try:
            fitting = await bot.faq_answers.teach(interaction.guild_id, text, self.label)
        except TeachError as exc:
            await say(interaction, str(exc))
            return
        shown = fit(text.strip(), 200)
        await interaction.response.send_message(
            f"Saved for this server: “{shown}” → **{self.label_text}**. Retraining now; it takes a second or so.",
            ephemeral=True,
        )
        model = await asyncio.shield(fitting)
        got = model.ask(text)
        if (got.entry.id if got.entry else NONE_LABEL) == self.label:
            done = (
                f"Done: “{shown}” is now declined as not for this bot."
                if self.label == NONE_LABEL
                else f"Done: members asking “{shown}” now get **{self.label_text}**."
            )
        else:  # the fit failed (logged); a taught wording always gets its answer once fitted
            done = (
                "Saved, but retraining failed just now, so answers stay as they were. "
                "It is tried again with the next teach, or within the hour."
            )
        await interaction.followup.send(done, ephemeral=True)

    async def on_error(  # type: ignore[override]
        self, interaction: discord.Interaction[CareerBot], error: Exception, /
    ) -> None:
        if isinstance(error, app_commands.CheckFailure):
            await say(interaction, str(error))
        else:
            await answer_error(interaction, error)


TEACH_ITEMS: tuple[type[ui.DynamicItem[Any]], ...] = (TeachPick, AnswerPick)
