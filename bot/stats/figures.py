"""Moderators' aggregate statistics: SQL aggregates, small-group suppression, CSV export and charts.

Nothing here imports discord. Every query runs on the read-only reader it is given (SQLite's reader
connection or PostgreSQL's read-only transaction), is parameterised, and reads only the rollups that
storage keeps on every write (migration 0005, ``bot/storage/_rollups.py``): aggregated rows, never a
member's.

Counting: each member counts once per guild, by their *representative session*: their latest
completed session, else their latest session (over all their sessions in the guild, as they stood
at the cut-off). A period holds the members whose representative session *started* in it, so a
member who finished 20 days ago and began a retake yesterday counts in the 30 days as completed and
not in the 7 days (their latest activity that counts is the finished one). The funnel is the status
of that session (so its stages partition the members counted), the outcome split, weekly trend, quiz
versions, median time and answer distributions are over the results of those completed sessions
(each member's latest result), and the drop-off is where those that stopped (abandoned, cancelled,
expired) stood. The funnel's "completed" is exactly the outcome split's total.

Time is in whole UTC days. Figures stop at the end of the day holding the cut-off (the day before,
when the cut-off is a midnight, as with STATS_UP_TO=last-week): every change made later, a session
finishing or a member retaking, is not seen yet. A period of N days is the N days up to that one;
"all" has no first day. The median is over whole minutes from start to result. Weeks are ISO weeks
(Monday, UTC) of each member's latest result; only weeks with finishers are listed, and nothing
finer than a week ever leaves this module.

Suppression (``k`` from settings, k >= 2; k = 1 hides nothing) applies to *sensitive* counts:
outcomes and answers, which can single a member out. Activity counts (started, finished, still
going, stopped and where, weekly finishers, versions) are shown as they are, even under k; they are
hidden only as a last resort to protect a sensitive count. A sensitive count below k is hidden and
reads "< k", zeros included (if zeros were shown, every hidden cell would be known to be at least 1).
A count of k or more hidden only to protect another reads "hidden" (never "< k": that would be
false). A *group* is cells adding up to a total a moderator can see or work out. In a group whose
total is shown, hidden parts add up to a known S, so more is hidden (the next-smallest shown part,
activity last, ties in group order; the total once no part is left) while S would pin them: one
hidden entry, S at its least (each "< k" 0, each "hidden" k), or with no "hidden" one S at its most
(each "< k" k - 1). A group whose total is below k has its sensitive parts hidden. Groups share cells
(funnel "completed" = outcome total = weekly finishers' total = each main question's total,
abandoned + cancelled + expired = drop-off total), so this runs to a fixpoint, then checks exactly
(integer Gauss-Jordan) that no hidden count is a linear combination of shown ones, hiding more
until none is. A share is shown only when its cell and its group total are both shown.

Not claimed: bounds from several linked groups at once (linear programming over the whole table),
or a reader who replays the next-smallest choice to bound a complement by the shown cells. (A side
effect of the S = 0 test: "everyone in the group chose X" is never shown, as the rest are all 0.)

The FAQ review queue is not counts about members but their own wording (declined questions, and the
questions whose answers got a 👎, through the vote's link to the question), grouped; it carries no
member ids, and retention purges of the questions take their text out of it too.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import aiosqlite

from bot.content import Quiz
from bot.stats.suppression import Cell, Group, _determined, _leaky, _make_cells, hidden_cells
from bot.stats.types import FUNNEL_PARTS, FUNNEL_STAGES, OUTCOMES, STOPPED, Outcome, Period, Stage
from bot.storage._driver import Tx
from bot.storage._rollups import ALL_TIME

_PERIOD_DAYS: dict[Period, int | None] = {"7d": 7, "30d": 30, "90d": 90, "all": None}
DAY = 86400.0
PERIOD_TEXT: dict[Period, str] = {
    "7d": "last 7 days",
    "30d": "last 30 days",
    "90d": "last 90 days",
    "all": "all time",
}


SUPPRESSED_NOTE = (
    "Each member counts once. '< {k}' marks a count of fewer than {k} members; 'hidden' marks a"
    " count of {k} or more, hidden only so that a small count cannot be worked out by subtraction."
)


def period_start(period: Period, now: float) -> float | None:
    """Start of the period as epoch seconds (midnight UTC of its first day); None for "all"."""
    if _PERIOD_DAYS[period] is None:
        return None
    return _window(period, now)[0] * DAY


# ---------------------------------------------------------------- summary model


@dataclass(frozen=True)
class QuestionStats:
    id: str
    prompt: str
    tiebreak: bool
    labels: dict[str, str]  # option id -> label, in content order
    options: dict[str, Cell]  # option id -> members whose latest result chose it
    answered: Cell  # the group total: members whose latest result answered this question
    dropoff: Cell  # members whose (unfinished) attempt stopped at this question; share of all stopped


@dataclass(frozen=True)
class Summary:
    guild_id: int
    period: Period
    k: int
    since: float | None
    takers: Cell  # members counted: those whose representative session started in the period
    funnel: dict[Stage, Cell]  # FUNNEL_STAGES; parts partition "started" (members, by representative session)
    completion_rate: float | None  # completed / started members; None if either is hidden
    median_minutes: float | None  # median start-to-result time of members' latest results; None if < k
    outcomes: dict[Outcome, Cell]  # ai / ml / hybrid over members' latest results
    weekly: list[tuple[str, Cell]]  # ISO week start (Monday, UTC) -> members whose latest result is then
    questions: list[QuestionStats]  # all questions in quiz order, tie-breaks last
    versions: dict[str, int | None]  # quiz_version -> members' latest results with it (None = hidden)


# ---------------------------------------------------------------- queries

# The rollups (migration 0005, bot/storage/_rollups.py) hold each member's representative session as
# deltas by the day it started and the day each change took effect: the figures at the end of day
# :end for a period are a sum over start days in it and change days up to :end; "all time" reads the
# rows kept summed over start days (start day -2). Each query reads one guild's range of a primary
# key: bounded by days and answer options, not by how many results are stored.
_FUNNEL_SQL = """
    SELECT status, quiz_version, position, CAST(sum(n) AS BIGINT) AS n FROM stats_funnel
    WHERE guild_id = :guild AND start_day >= :first AND start_day <= :last AND change_day <= :end
    GROUP BY status, quiz_version, position
"""
_RESULTS_SQL = """
    SELECT week_day, outcome, minutes, CAST(sum(n) AS BIGINT) AS n FROM stats_results
    WHERE guild_id = :guild AND start_day >= :first AND start_day <= :last AND change_day <= :end
    GROUP BY week_day, outcome, minutes
"""
# Grouped by the session's final position too, so the caller keeps only answers inside the final
# sequence (question index < position): a completed session may still hold tie-break answers it
# dropped by going Back and changing an answer.
_ANSWERS_SQL = """
    SELECT question_id, option_id, position, CAST(sum(n) AS BIGINT) AS n FROM stats_answers
    WHERE guild_id = :guild AND start_day >= :first AND start_day <= :last AND change_day <= :end
    GROUP BY question_id, option_id, position
"""

Reader = aiosqlite.Connection | Tx
_NAMED = re.compile(r"(?<!:):([a-z_]+)")


@asynccontextmanager
async def _snapshot(db: Reader) -> AsyncIterator[None]:
    """One read transaction, so every query of a summary sees the same snapshot (PostgreSQL: the
    caller's read-only repeatable-read transaction already is one)."""
    if not isinstance(db, aiosqlite.Connection) or db.in_transaction:
        yield
        return
    await db.execute("BEGIN")
    try:
        yield
    finally:
        await db.execute("COMMIT")  # a read transaction: this only releases the snapshot


async def _rows(db: Reader, sql: str, params: Mapping[str, Any]) -> list[Any]:
    """Run a query written with :named parameters on either backend's reader."""
    if isinstance(db, aiosqlite.Connection):
        async with db.execute(sql, params) as cur:
            return list(await cur.fetchall())
    names = _NAMED.findall(sql)
    return await db.execute_fetchall(_NAMED.sub("?", sql), [params[name] for name in names])


@dataclass
class _Raw:
    """Aggregated rows as they come from SQL, before any suppression."""

    status: Counter[str] = field(default_factory=Counter)
    stopped_at: Counter[int] = field(default_factory=Counter)  # position -> members
    versions: Counter[str] = field(default_factory=Counter)  # version -> latest results
    weekly: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    answers: Counter[tuple[str, str]] = field(default_factory=Counter)
    minutes: Counter[int] = field(default_factory=Counter)  # whole minutes to the result -> members


def _monday(day: int) -> str:
    return (date(1970, 1, 1) + timedelta(days=day)).isoformat()


async def _load(db: Reader, params: Mapping[str, Any], quiz: Quiz) -> _Raw:
    raw = _Raw()
    for status, version, position, n in await _rows(db, _FUNNEL_SQL, params):
        if not n:
            continue
        raw.status[status] += n
        if status == "completed":
            raw.versions[version] += n
        else:
            raw.versions[version] += 0  # listed with 0 so a listed version implies nothing
        if status in STOPPED:
            raw.stopped_at[position] += n
    for monday, outcome, minutes, n in await _rows(db, _RESULTS_SQL, params):
        if n:
            raw.weekly[_monday(monday)][outcome] += n
            raw.minutes[minutes] += n
    index = {q.id: i for i, q in enumerate(quiz.all_questions)}
    for question_id, option_id, position, n in await _rows(db, _ANSWERS_SQL, params):
        if n and index.get(question_id, position) < position:
            raw.answers[question_id, option_id] += n
    return raw


def _median_minutes(minutes: Counter[int]) -> float | None:
    """Median of whole minutes from start to result (the middle two averaged)."""
    n = sum(minutes.values())
    if n == 0:
        return None
    ordered = sorted(minutes.items())

    def at(i: int) -> int:
        seen = 0
        for value, count in ordered:
            seen += count
            if i < seen:
                return value
        raise IndexError(i)

    return round((at((n - 1) // 2) + at(n // 2)) / 2, 1)


def _window(period: Period, now: float) -> tuple[int, int]:
    """(first start day, end day) of a period whose figures stop at ``now``; first is ALL_TIME for "all".

    Whole UTC days: the end day is the day holding ``now`` (the day before, when ``now`` is midnight,
    as with STATS_UP_TO=last-week); a period of N days is the N days up to and including it."""
    end = math.floor(now / DAY)
    if end * DAY == now:
        end -= 1
    days = _PERIOD_DAYS[period]
    return (ALL_TIME if days is None else end - days + 1, end)


def _params(guild_id: int, period: Period, now: float) -> dict[str, Any]:
    first, end = _window(period, now)
    return {"guild": guild_id, "first": first, "last": ALL_TIME if first == ALL_TIME else end, "end": end}


# ---------------------------------------------------------------- summary


def week_start(t: float) -> str:
    """ISO week start (Monday, UTC) of an epoch time, as SQLite's date(..., 'weekday 0', '-6 days')."""
    day = datetime.fromtimestamp(t, UTC).date()
    return (day - timedelta(days=day.weekday())).isoformat()


def _weeks(found: Iterable[str]) -> list[str]:
    """The weeks in which someone finished. An empty week is left out: its total, 0, is an activity
    count shown anyway, so leaving it out tells nobody more than listing it as 0 would."""
    return sorted(set(found))


@dataclass
class _Table:
    """Every count of a summary under one key space, the groups linking them, and share denominators."""

    counts: dict[str, int] = field(default_factory=dict)
    groups: list[Group] = field(default_factory=list)
    share_of: dict[str, str] = field(default_factory=dict)

    def group(self, total: str, parts: Mapping[str, int], *, shares: bool = True) -> None:
        for key, n in parts.items():
            self.counts.setdefault(key, n)
            if shares:
                self.share_of.setdefault(key, total)
        self.groups.append(Group(total, tuple(parts)))


def _build(raw: _Raw, quiz: Quiz, weeks: Sequence[str]) -> _Table:
    t = _Table()
    t.counts["funnel.started"] = sum(raw.status.values())
    t.group("funnel.started", {f"funnel.{s}": raw.status[s] for s in FUNNEL_PARTS})
    outcome_totals = Counter[str]()
    for week in weeks:
        outcome_totals.update(raw.weekly.get(week, {}))
    t.group("funnel.completed", {f"outcome.{o}": outcome_totals[o] for o in OUTCOMES})
    t.group("funnel.completed", {f"version.{v}": n for v, n in sorted(raw.versions.items())}, shares=False)
    # Finishers per week only: a weekly outcome split is a table of small cells on any real server,
    # and each one would leak through the all-time split between two weekly releases.
    week_totals = {f"week.{w}.total": sum(raw.weekly.get(w, {}).values()) for w in weeks}
    t.group("funnel.completed", week_totals, shares=False)
    last = len(quiz.all_questions) - 1
    stopped = Counter({quiz.all_questions[min(pos, last)].id: n for pos, n in raw.stopped_at.items()})
    t.counts["drop.total"] = sum(raw.stopped_at.values())
    t.group("drop.total", {f"funnel.{s}": raw.status[s] for s in STOPPED}, shares=False)
    t.group("drop.total", {f"drop.{q.id}": stopped[q.id] for q in quiz.all_questions})
    main = {q.id for q in quiz.questions}
    for q in quiz.all_questions:
        options = {f"q.{q.id}.{o.id}": raw.answers[q.id, o.id] for o in q.options}
        t.counts[f"q.{q.id}.total"] = sum(options.values())
        t.group(f"q.{q.id}.total", options)
        if q.id in main:
            # Every finisher answers every main question, so this total is "completed" in all but
            # mixed-version data: link them, or a hidden "completed" could be read off here.
            t.group("funnel.completed", {f"q.{q.id}.total": t.counts[f"q.{q.id}.total"]}, shares=False)
    return t


def _activity(table: _Table, quiz: Quiz) -> set[str]:
    """Counts of taking part, not of choosing: shown under k (see the README's privacy notes).

    Started, finished, still going, stopped and where, weekly finishers, quiz versions, and how many
    answered each main question (everyone who finished did). Outcomes, answers and tie-break totals
    (a tie-break only follows certain answers) stay sensitive.
    """
    main = {f"q.{q.id}.total" for q in quiz.questions}
    prefixes = ("funnel.", "drop.", "version.")
    return {
        key
        for key in table.counts
        if key.startswith(prefixes) or key in main or (key.startswith("week.") and key.endswith(".total"))
    }


async def summary(db: Reader, *, guild_id: int, period: Period, now: float, k: int, quiz: Quiz) -> Summary:
    """A guild's figures for the period, suppressed for k.

    ``db``: a connection from ``Storage.open_reader()`` (one summary at a time on it: the queries share
    one read transaction), or a transaction from ``Storage.read_snapshot()``. ``now`` is the cut-off.
    """
    since = period_start(period, now)
    async with _snapshot(db):
        raw = await _load(db, _params(guild_id, period, now), quiz)
    median = _median_minutes(raw.minutes) if raw.status["completed"] >= k else None
    weeks = _weeks(raw.weekly)
    table = _build(raw, quiz, weeks)
    hidden = hidden_cells(
        table.counts, table.groups, k, avoid={"funnel.completed"}, activity=_activity(table, quiz)
    )
    cells = _make_cells(table.counts, hidden, table.share_of, k)
    funnel = {stage: cells[f"funnel.{stage}"] for stage in FUNNEL_STAGES}
    started, done = funnel["started"].count, funnel["completed"].count
    return Summary(
        guild_id=guild_id,
        period=period,
        k=k,
        since=since,
        takers=funnel["started"],
        funnel=funnel,
        completion_rate=done / started if started and done is not None else None,
        median_minutes=median if done is not None else None,
        outcomes={o: cells[f"outcome.{o}"] for o in OUTCOMES},
        weekly=[(w, cells[f"week.{w}.total"]) for w in weeks],
        questions=[
            QuestionStats(
                id=q.id,
                prompt=q.prompt,
                tiebreak=i >= len(quiz.questions),
                labels={o.id: o.label for o in q.options},
                options={o.id: cells[f"q.{q.id}.{o.id}"] for o in q.options},
                answered=cells[f"q.{q.id}.total"],
                dropoff=cells[f"drop.{q.id}"],
            )
            for i, q in enumerate(quiz.all_questions)
        ],
        versions={v: cells[f"version.{v}"].count for v in sorted(raw.versions)},
    )


@dataclass(frozen=True)
class Audit:
    """How much of a summary's table is shown, and proof that no hidden count can be worked out."""

    cells: int
    shown: int
    small: int  # hidden, under k
    protective: int  # hidden, k or more
    determined: int  # hidden counts the group equations fix exactly (must be 0)
    pinned: int  # groups whose total and labels pin their hidden cells (must be 0)


async def audit(db: Reader, *, guild_id: int, period: Period, now: float, k: int, quiz: Quiz) -> Audit:
    """The table ``summary`` suppresses, checked from scratch (for the benchmark and tests)."""
    async with _snapshot(db):
        raw = await _load(db, _params(guild_id, period, now), quiz)
    table = _build(raw, quiz, _weeks(raw.weekly))
    hidden = hidden_cells(
        table.counts, table.groups, k, avoid={"funnel.completed"}, activity=_activity(table, quiz)
    )
    small = sum(table.counts[key] < k for key in hidden)
    return Audit(
        cells=len(table.counts),
        shown=len(table.counts) - len(hidden),
        small=small,
        protective=len(hidden) - small,
        determined=len(_determined(table.groups, hidden)),
        pinned=sum(_leaky(g, table.counts, hidden, k) for g in table.groups) if k > 1 else 0,
    )
