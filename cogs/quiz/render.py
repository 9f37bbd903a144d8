"""Embeds for the quiz: a question step and a result. Presentation only."""

from __future__ import annotations

import discord

from bot.content import OUTCOME_NAMES, Content, FaqEntry
from bot.quiz import summary
from bot.quiz.engine import Explanation, Step
from bot.storage import ResultRow
from cogs._render import BRAND, HYBRID_COLOUR, TRACK_COLOURS, fit

DESC_MAX = 4096  # Discord's limit


def question_embed(step: Step, *, note: str | None = None) -> discord.Embed:
    q = step.question
    description = f"**{q.prompt}**"
    if q.detail:
        description += f"\n{q.detail}"
    if step.announcement:
        description = f"{step.announcement}\n\n{description}"
    if note:
        description = f"ℹ️ {note}\n\n{description}"
    if step.selected is not None:
        chosen = q.option(step.selected)
        if chosen is not None:
            description += f"\n\nYour earlier answer: *{chosen.label}* (pick again to keep or change it)"
    embed = discord.Embed(title=f"Career quiz · {step.label}", description=fit(description, DESC_MAX))
    embed.colour = HYBRID_COLOUR if step.phase == "tiebreak" else discord.Colour.blurple()
    embed.add_field(name="Progress", value=step.progress_bar, inline=False)
    return embed


def result_embed(content: Content, explanation: Explanation, result: ResultRow) -> discord.Embed:
    """The main result, short enough for a phone; the rest sits behind the result's buttons."""
    outcome = result.outcome
    colour = HYBRID_COLOUR if outcome == "hybrid" else TRACK_COLOURS[outcome]
    text = summary.result_text(explanation, earlier_version=result.quiz_version != content.quiz_version)
    embed = discord.Embed(title=summary.title(explanation), colour=colour, description=fit(text, DESC_MAX))
    article = content.careers.article
    embed.set_footer(text=fit(f'Based on "{article.title}" by {article.author}.', 2048))
    return embed


DETAIL_TITLES = {
    "why": "Why this result",
    "skills": "Skills to learn",
    "salary": "Salary details",
    "faq": "Questions members often ask next",
}


def detail_embed(
    content: Content, explanation: Explanation, action: str, followups: list[FaqEntry]
) -> discord.Embed:
    """What a result's detail button shows, in place under the result."""
    if action == "why":
        text = summary.why(content, explanation) + summary.changes(explanation)
    elif action == "skills":
        text = summary.skills(content, explanation)
    elif action == "salary":
        text = summary.salary(content, explanation)
    else:
        text = (
            "Ask any of these with `/faq`:\n" + "\n".join(f"• {e.question}" for e in followups)
            if followups
            else "Try `/faq` with your question."
        )
    return discord.Embed(title=DETAIL_TITLES[action], description=fit(text, DESC_MAX), colour=BRAND)


def share_card(user: discord.abc.User, result: ResultRow) -> discord.Embed:
    outcome = result.outcome
    colour = HYBRID_COLOUR if outcome == "hybrid" else TRACK_COLOURS[outcome]
    text = (
        f"their answers sit near the middle: **{OUTCOME_NAMES[outcome]}**"
        if outcome == "hybrid"
        else f"their answers lean towards **{OUTCOME_NAMES[outcome]}**"
    )
    embed = discord.Embed(colour=colour, description=f"{user.mention} took the career quiz: {text}.")
    embed.set_footer(text="Try it yourself with /careerquiz")
    return embed
