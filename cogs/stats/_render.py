"""Embeds for moderators' statistics. Every count goes through Cell.show, so suppression holds."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import discord

from bot.charts import alt_text, wrap
from bot.content import OUTCOME_NAMES, Content
from bot.stats import PERIOD_TEXT, Period, Summary, export
from bot.stats.export import Bars
from bot.stats.service import FaqReview
from bot.stats.suppression import Cell
from bot.stats.types import FUNNEL_STAGES, OUTCOMES
from cogs._render import BRAND, fit

TREND_WEEKS = 6
SUMMARY_TITLE = "Career quiz, "
QUESTION_WRAP = 44  # characters a line: the chart's axes leave about half the width to the title


def members(n: int) -> str:
    return f"{n} member" if n == 1 else f"{n} members"


# Quizzes still in progress have not stopped anywhere: the shares are of those that did.
STOPPED_TITLE = "Where quizzes stopped (share of those cancelled, started over or timed out)"


def count_words(cell: Cell, k: int) -> str:
    """A count of members with its noun ("1 member", "2 members (40%)"); hidden ones as Cell.show says."""
    if cell.count is None:
        return cell.show(k)
    text = members(cell.count)
    return text if cell.share is None else f"{text} ({cell.share:.0%})"


def _bar_words(value: int | None, hidden: str | None) -> str:
    """One bar in words: a number, "fewer than k", or hidden (never read as small: it is k or more)."""
    if value is not None:
        return members(value)
    if hidden and hidden.startswith("<"):
        return f"fewer than {hidden[1:].strip()} (too few to show)"
    return "hidden, to protect a small count"


def bars_alt_text(bars: Bars, *, title: str | None = None, labels: Sequence[str] | None = None) -> str:
    """The attachment description of a stats chart: what it shows, then every bar with its number.

    ``title`` and ``labels`` give the full wording where the chart had to shorten it."""
    what = f"Bar chart: {title or bars.title}" + (f", in {bars.xlabel}" if bars.xlabel else "")
    names = labels or bars.labels
    items = [(f"{n}:", _bar_words(v, h)) for n, v, h in zip(names, bars.values, bars.hidden, strict=True)]
    return alt_text(what, items)


def question_chart_bars(s: Summary, question_id: str) -> tuple[Bars, str]:
    """The question's bars with title and axis label wrapped (long prompts were cut), and its alt text."""
    q = next(q for q in s.questions if q.id == question_id)
    bars = export.question_bars(s, question_id)
    text = bars_alt_text(bars, title=f"answers to “{q.prompt}”", labels=[q.labels[o] for o in q.options])
    return replace(bars, title=wrap(q.prompt, QUESTION_WRAP), xlabel=wrap(bars.xlabel, QUESTION_WRAP)), text


def _note(s: Summary) -> str:
    k = s.k
    note = f"Each member counts once. '< {k}' means fewer than {k} members."
    if _any_protective(s):
        note += f" 'hidden' means {k} or more, hidden so that a small count cannot be worked out."
    return note


def _any_protective(s: Summary) -> bool:
    cells = [*s.funnel.values(), *s.outcomes.values(), *(c for _, c in s.weekly)]
    cells += [c for q in s.questions for c in (*q.options.values(), q.answered, q.dropoff)]
    return any(c.protective for c in cells)


def _arrow(delta: float) -> str:
    return "▲" if delta > 0 else "▼" if delta < 0 else "="


def change_lines(s: Summary, prev: Summary | None) -> list[str]:
    """What moved since the period before, each with its direction; only from numbers both show."""
    lines: list[str] = []
    if prev is not None:
        parts = []
        now_n, then_n = s.takers.count, prev.takers.count
        if now_n is not None and then_n is not None and (now_n or then_n):
            parts.append(f"members started {now_n} ({_arrow(now_n - then_n)} {abs(now_n - then_n)})")
        if s.completion_rate is not None and prev.completion_rate is not None:
            pts = round((s.completion_rate - prev.completion_rate) * 100)
            parts.append(f"completion {s.completion_rate:.0%} ({_arrow(pts)} {abs(pts)} pts)")
        for o in OUTCOMES:
            a, b = s.outcomes[o].share, prev.outcomes[o].share
            if a is not None and b is not None:
                pts = round((a - b) * 100)
                parts.append(f"{OUTCOME_NAMES[o]} {a:.0%} ({_arrow(pts)} {abs(pts)} pts)")
        if parts:
            lines.append(
                f"**Compared with the {PERIOD_TEXT[s.period].replace('last', 'previous')}:** "
                + " · ".join(parts)
            )
    stops = [q for q in s.questions if q.dropoff.count]
    if stops:
        top = max(stops, key=lambda q: q.dropoff.count or 0)
        stopped = sum(q.dropoff.count or 0 for q in stops)
        lines.append(
            f"**Most who stop do so at:** {fit(top.prompt, 90)} ({top.dropoff.count} of {stopped} who stopped)"
        )
    return lines


def _lead(s: Summary) -> str:
    """Started, completion and median; a figure that doesn't exist is said so, not called hidden."""
    k, done = s.k, s.funnel["completed"].count
    started = f"Members started: **{s.takers.show(k)}**"
    if s.takers.count == 0:
        return f"{started} · nobody took the quiz in this period"
    rate = "hidden" if s.completion_rate is None else f"{s.completion_rate:.0%}"
    if s.median_minutes is not None:  # whole minutes (the middle two averaged): "0.0 min" read as instant
        median = "**under 1 min**" if s.median_minutes < 1 else f"**{s.median_minutes:g} min**"
    elif done is not None and done < k:  # too few results for a median, not a hidden one
        median = f"not shown for fewer than {k} results"
    else:
        median = "**hidden**"
    return f"{started} · completion **{rate}** · median time to a result {median}"


def summary_embed(s: Summary, *, cutoff: str | None, previous: Summary | None = None) -> discord.Embed:
    k = s.k
    embed = discord.Embed(title=f"{SUMMARY_TITLE}{PERIOD_TEXT[s.period]}", colour=BRAND)
    lines = [_lead(s)]
    lines += change_lines(s, previous)
    if cutoff:
        lines.append(f"*{cutoff}*")
    embed.description = "\n".join(lines)
    funnel = "\n".join(f"{stage.capitalize()}: **{s.funnel[stage].show(k)}**" for stage in FUNNEL_STAGES)
    embed.add_field(name="Funnel (members)", value=funnel, inline=True)
    split = "\n".join(f"{OUTCOME_NAMES[o]}: **{s.outcomes[o].show(k)}**" for o in OUTCOMES)
    embed.add_field(name="Outcome split (latest result)", value=split, inline=True)
    weeks = [(week, cell) for week, cell in s.weekly if cell.count != 0]  # hidden ones stay: could be any
    if weeks:
        rows = [f"`{week}` **{cell.show(k)}**" for week, cell in weeks[-TREND_WEEKS:]]
        name = "Finished per week (week starting; weeks with none left out)"
        embed.add_field(name=name, value=fit("\n".join(rows), 1024), inline=False)
    drops = sorted((q for q in s.questions if q.dropoff.count), key=lambda q: -(q.dropoff.count or 0))[:3]
    if drops:
        embed.add_field(
            name=STOPPED_TITLE,
            value=fit("\n".join(f"{q.prompt[:80]}: **{count_words(q.dropoff, k)}**" for q in drops), 1024),
            inline=False,
        )
    if len(s.versions) > 1:
        versions = ", ".join(f"`{v}`: {'hidden' if n is None else n}" for v, n in s.versions.items())
        embed.add_field(name="Quiz versions in this period", value=fit(versions, 1024), inline=False)
    embed.set_footer(text=fit(_note(s) + " Pick a question below for its answers.", 2048))
    return embed


def question_embed(s: Summary, question_id: str) -> discord.Embed | None:
    q = next((q for q in s.questions if q.id == question_id), None)
    if q is None:
        return None
    lines = [f"{q.labels[o]}: **{cell.show(s.k)}**" for o, cell in q.options.items()]
    embed = discord.Embed(title=q.prompt[:256], description=fit("\n".join(lines), 4000), colour=BRAND)
    embed.add_field(
        name="Stopped at this question (share of all who stopped)", value=count_words(q.dropoff, s.k)
    )
    embed.set_footer(text=_note(s))
    return embed


def faq_embed(content: Content, review: FaqReview, period: Period, k: int) -> discord.Embed:
    embed = discord.Embed(title=f"FAQ review, {PERIOD_TEXT[period]}", colour=BRAND)
    gaps = [g for g in review.groups if g.kind != "noise"]
    noise = [g for g in review.groups if g.kind == "noise"]
    if gaps:
        lines = []
        for g in gaps:
            entry = content.faq.entry(g.closest_entry) if g.closest_entry else None
            closest = f" → closest: *{entry.topic}*" if entry else ""
            kind = "no answer given" if g.kind == "declined" else "answer got 👎"
            lines.append(f"**{g.count.show(k)}×** {kind}: “{fit(g.sample, 90)}”{closest}")
        embed.add_field(
            name="Questions members asked that the FAQ could answer better",
            value=fit("\n".join(lines), 1024),
            inline=False,
        )
    if noise:
        lines = [f"**{g.count.show(k)}×** “{fit(g.sample, 60)}”" for g in noise]
        embed.add_field(name="Off-topic, not for this bot", value=fit("\n".join(lines), 1024), inline=False)
    if not gaps and not noise:
        embed.description = "No unanswered or 👎 questions in this period."
    if review.votes:
        rows = []
        ranked = sorted(review.votes, key=lambda v: (-((v.up.count or 0) + (v.down.count or 0)), v.entry_id))
        for v in ranked[:15]:
            entry = content.faq.entry(v.entry_id)
            rows.append(f"{entry.topic if entry else v.entry_id}: 👍 {v.up.show(k)} · 👎 {v.down.show(k)}")
        embed.add_field(name="Votes per answer", value=fit("\n".join(rows), 1024), inline=False)
    embed.set_footer(
        text=f"'< {k}' means fewer than {k}; 'hidden' means {k} or more, hidden to protect a small count."
    )
    return embed
