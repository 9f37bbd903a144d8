"""Embeds for moderators' statistics. Every count goes through Cell.show, so suppression holds."""

from __future__ import annotations

import discord

from bot.content import OUTCOME_NAMES, Content
from bot.faq.review import FaqGroup
from bot.stats import FUNNEL_STAGES, OUTCOMES, PERIOD_TEXT, SUPPRESSED_NOTE, Period, Summary
from cogs._render import BRAND, fit

TREND_WEEKS = 6


def summary_embed(s: Summary, *, up_to_last_week: bool) -> discord.Embed:
    k = s.k
    embed = discord.Embed(title=f"Career quiz, {PERIOD_TEXT[s.period]}", colour=BRAND)
    rate = "hidden" if s.completion_rate is None else f"{s.completion_rate:.0%}"
    median = "hidden" if s.median_minutes is None else f"{s.median_minutes:.1f} min"
    embed.description = f"**{s.takers.show(k)}** members started · completion **{rate}** · median time to a result **{median}**"
    funnel = "\n".join(f"{stage.capitalize()}: **{s.funnel[stage].show(k)}**" for stage in FUNNEL_STAGES)
    embed.add_field(name="Funnel (members)", value=funnel, inline=True)
    split = "\n".join(f"{OUTCOME_NAMES[o]}: **{s.outcomes[o].show(k)}**" for o in OUTCOMES)
    embed.add_field(name="Outcome split (latest result)", value=split, inline=True)
    if s.weekly:
        rows = [
            f"`{week}` " + " · ".join(f"{o.upper()} {cells[o].show(k)}" for o in OUTCOMES)
            for week, cells in s.weekly[-TREND_WEEKS:]
        ]
        embed.add_field(name="By week (week starting)", value=fit("\n".join(rows), 1024), inline=False)
    drops = sorted((q for q in s.questions if q.dropoff.count), key=lambda q: -(q.dropoff.count or 0))[:3]
    if drops:
        embed.add_field(
            name="Where unfinished quizzes stopped",
            value=fit("\n".join(f"{q.prompt[:80]}: **{q.dropoff.show(k)}**" for q in drops), 1024),
            inline=False,
        )
    if len(s.versions) > 1:
        versions = ", ".join(f"`{v}`: {'< ' + str(k) if n is None else n}" for v, n in s.versions.items())
        embed.add_field(name="Quiz versions in this period", value=fit(versions, 1024), inline=False)
    cutoff = (
        " Counts run to the end of last week (UTC), so comparing two summaries never singles anyone out."
        if up_to_last_week
        else ""
    )
    embed.set_footer(
        text=fit(SUPPRESSED_NOTE.format(k=k) + cutoff + " Pick a question below for its answers.", 2048)
    )
    return embed


def faq_embed(
    content: Content, groups: list[FaqGroup], votes: list[tuple[str, int, int]], period: Period, k: int
) -> discord.Embed:
    embed = discord.Embed(title=f"FAQ review, {PERIOD_TEXT[period]}", colour=BRAND)
    noise = [g for g in groups if g.kind == "noise"]
    groups = [g for g in groups if g.kind != "noise"]
    if groups:
        lines = []
        for g in groups:
            entry = content.faq.entry(g.closest_entry) if g.closest_entry else None
            closest = f" → closest: *{entry.topic}*" if entry else ""
            kind = "declined" if g.kind == "declined" else "👎"
            lines.append(f"**{g.count}×** {kind} “{fit(g.sample, 90)}”{closest}")
        embed.add_field(
            name="What to add to data/faq.yaml next", value=fit("\n".join(lines), 1024), inline=False
        )
    if noise:
        lines = [f"**{g.count}×** “{fit(g.sample, 60)}”" for g in noise]
        embed.add_field(name="Off-topic, not for this bot", value=fit("\n".join(lines), 1024), inline=False)
    if not groups and not noise:
        embed.description = "No declined or 👎 questions in this period."
    if votes:
        rows = []
        for entry_id, up, down in sorted(votes, key=lambda v: -(v[1] + v[2]))[:15]:
            entry = content.faq.entry(entry_id)
            rows.append(f"{entry.topic if entry else entry_id}: 👍 {_small(up, k)} · 👎 {_small(down, k)}")
        embed.add_field(name="Votes per answer", value=fit("\n".join(rows), 1024), inline=False)
    return embed


def _small(count: int, k: int) -> str:
    return f"< {k}" if 0 < count < k else str(count)
