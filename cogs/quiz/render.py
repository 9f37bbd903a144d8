"""Embeds for the quiz: a question step and a result. Presentation only."""

from __future__ import annotations

import discord

from bot.content import OUTCOME_NAMES, Content, FaqEntry
from bot.quiz.engine import Explanation, Step
from bot.storage import ResultRow
from cogs._render import HYBRID_COLOUR, TRACK_COLOURS, cite, fit

FIELD_MAX, DESC_MAX, TOTAL_BUDGET = 1024, 4096, 5800  # Discord's limits, with headroom on the total


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


def _budgeted(embed: discord.Embed, name: str, value: str) -> None:
    """Add a field only while the whole embed stays inside Discord's 6,000-character total."""
    value = fit(value, FIELD_MAX)
    if len(embed) + len(name) + len(value) <= TOTAL_BUDGET:
        embed.add_field(name=name, value=value, inline=False)


def result_embed(
    content: Content,
    explanation: Explanation,
    result: ResultRow,
    *,
    followups: list[FaqEntry] | None = None,
) -> discord.Embed:
    outcome = result.outcome
    colour = HYBRID_COLOUR if outcome == "hybrid" else TRACK_COLOURS[outcome]
    title = (
        "Your result: both paths fit you" if outcome == "hybrid" else f"Your result: {OUTCOME_NAMES[outcome]}"
    )
    lines = [f"Fit: **AI Engineer {result.fit_ai}/100 · ML Engineer {result.fit_ml}/100**"]
    if explanation.hybrid_note is not None:
        lines.append(f"{explanation.hybrid_note.text} ({cite(explanation.hybrid_note.section)})")
    if result.quiz_version != content.quiz_version:
        lines.append("_This result came from an earlier version of the quiz._")
    embed = discord.Embed(title=title, colour=colour, description=fit("\n".join(lines), DESC_MAX))

    why = "\n".join(f"• {r.text} ({cite(r.section)})" for r in explanation.reasons) or "—"
    _budgeted(embed, "Why", why)
    salary = "\n".join(
        f"• {t.name}: **{t.salary.label}** ({t.salary.basis}) ({cite(t.salary.section)})"
        for t in explanation.salary
    )
    caveat = explanation.salary_caveats[0] if explanation.salary_caveats else None
    if caveat is not None:
        salary += f"\n_{caveat.text}_ ({cite(caveat.section)})"
    _budgeted(embed, "Salary band", salary)
    skills = "\n".join(f"• **{s.name}**: {s.why} ({cite(s.section)})" for s in explanation.skills_next)
    _budgeted(embed, "Learn next", skills)
    if explanation.try_next:
        _budgeted(
            embed, "Try each", "\n".join(f"• {c.text} ({cite(c.section)})" for c in explanation.try_next)
        )
    _budgeted(
        embed, "Switching later", f"{explanation.switch_note.text} ({cite(explanation.switch_note.section)})"
    )
    if explanation.previous is not None:
        prev = explanation.previous
        head = (
            f"Last time: {OUTCOME_NAMES[prev.outcome]} (AI {prev.fit_ai} · ML {prev.fit_ml}) → "
            f"now: {OUTCOME_NAMES[outcome]} (AI {result.fit_ai} · ML {result.fit_ml})"
        )
        flips = [
            f"• {c.question.factor}: {c.before.label if c.before else '—'} → {c.after.label}"
            for c in explanation.changes
        ]
        _budgeted(
            embed,
            "Since your last result",
            "\n".join([head, *flips[:6]]) if flips else f"{head}\nSame answers as before.",
        )
    if followups:
        _budgeted(
            embed,
            "Questions members often ask next",
            "\n".join(f"• {e.question} (`/faq`)" for e in followups),
        )
    article = content.careers.article
    embed.set_footer(
        text=fit(f'Based on "{article.title}" by {article.author}. §ids name article sections.', 2048)
    )
    return embed


def share_card(user: discord.abc.User, result: ResultRow) -> discord.Embed:
    outcome = result.outcome
    colour = HYBRID_COLOUR if outcome == "hybrid" else TRACK_COLOURS[outcome]
    text = "both paths fit" if outcome == "hybrid" else f"the **{OUTCOME_NAMES[outcome]}** path fits best"
    embed = discord.Embed(
        colour=colour,
        description=f"{user.mention} took the career quiz: {text} (AI {result.fit_ai} · ML {result.fit_ml}).",
    )
    embed.set_footer(text="Try it yourself with /careerquiz")
    return embed
