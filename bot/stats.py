"""Moderators' aggregate statistics: SQL aggregates, small-group suppression, CSV export and charts.

Nothing here imports discord. Every query runs on the read-only connection it is given, is
parameterised, and returns aggregated rows only (GROUP BY on the 0002 covering indexes).

Counting: each member counts once. A member's *representative session* in the period is their
latest completed session started in the period, else their latest session started in the period.
The funnel is the status of that session (so its stages partition the members who started), the
outcome split, weekly trend, quiz versions and answer distributions are over the results of those
completed sessions (each member's latest result), and the drop-off is where those that stopped
(abandoned, cancelled, expired) stood. The period is applied to when a session *started*, so the
funnel's "completed" is exactly the outcome split's total. Weeks are ISO weeks (Monday, UTC) of each
member's latest result; every week of the period is listed, empty ones too, and nothing finer than a
week ever leaves this module.

Suppression (``k`` from settings, k >= 2; k = 1 hides nothing): a count below k is hidden and shown
as "< k", zeros included. Zeros are hidden because if they were always shown, every hidden cell
would be known to be at least 1, and three hidden cells adding up to 3 would each be pinned to 1;
a guild with no data therefore reads "< k" too. A *group* is cells adding up to a total a moderator
can see or work out. In a group whose total is shown, hidden parts add up to a known S, so more is
hidden (the next-smallest shown part, ties in group order; the total once no part is left) while
S would pin them: one hidden entry (S itself), S = 0 (all 0), or S = h * (k - 1) (reading "< k" as
at most k - 1, all h are k - 1). A group whose total is below k is hidden whole. Groups share cells
(outcomes = weekly columns, funnel "completed" = outcome total = each main question's total,
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

import asyncio
import csv
import heapq
import io
import math
import re
import sqlite3
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Collection, Iterable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal

import aiosqlite
from rapidfuzz import fuzz, process

from bot.charts import AI_COLOUR, ML_COLOUR, MUTED, bar_chart
from bot.content import OUTCOME_NAMES, Quiz

Period = Literal["7d", "30d", "90d", "all"]
PERIODS: tuple[Period, ...] = ("7d", "30d", "90d", "all")
_PERIOD_DAYS: dict[Period, int | None] = {"7d": 7, "30d": 30, "90d": 90, "all": None}
DAY = 86400.0

OUTCOMES = ("ai", "ml", "hybrid")
STOPPED = ("abandoned", "cancelled", "expired")
FUNNEL_PARTS = ("completed", "active", *STOPPED)
FUNNEL_STAGES = ("started", *FUNNEL_PARTS)

SUPPRESSED_NOTE = (
    "Each member counts once. '< {k}' marks a hidden count: fewer than {k} members, or hidden so that"
    " another hidden count cannot be worked out by subtraction."
)


def period_start(period: Period, now: float) -> float | None:
    """Start of the period as epoch seconds; None for "all"."""
    days = _PERIOD_DAYS[period]
    return None if days is None else now - days * DAY


# ---------------------------------------------------------------- cells and suppression


@dataclass(frozen=True)
class Cell:
    """A count that may be suppressed."""

    count: int | None  # None = suppressed
    share: float | None  # 0..1 of its group total; None when suppressed or the total is hidden

    @property
    def hidden(self) -> bool:
        return self.count is None

    def show(self, k: int) -> str:
        if self.count is None:
            return f"< {k}"
        if self.share is None:
            return str(self.count)
        return f"{self.count} ({self.share:.0%})"


@dataclass(frozen=True)
class Group:
    """Cells (``parts``) that add up to ``total``, which a moderator can see or work out."""

    total: str
    parts: tuple[str, ...]


def hidden_cells(
    counts: Mapping[str, int], groups: Sequence[Group], k: int, *, avoid: Collection[str] = ()
) -> frozenset[str]:
    """The keys to hide (see the module docstring for the rule).

    ``avoid``: cells to pick as complements only when nothing else is left (a cell that is also the
    total of other groups: hiding it would make those groups' shares and totals unshowable).
    """
    if k <= 1:
        return frozenset()
    hidden = {key for key, n in counts.items() if n < k}
    for group in groups:
        if counts[group.total] < k:
            hidden.update(group.parts)
    holding: dict[str, list[int]] = defaultdict(list)
    for i, group in enumerate(groups):
        for key in {group.total, *group.parts}:
            holding[key].append(i)
    queue = _GroupQueue(len(groups))  # always the first leaky group in list order
    while True:
        while queue:
            i = queue.pop()
            if _leaky(groups[i], counts, hidden, k):
                complement = _complement(groups[i], counts, hidden, avoid)
                hidden.add(complement)
                # Only groups holding the new cell can have changed; this one may need another round.
                queue.push(i, *holding[complement])
        exposed = _determined(groups, hidden)
        if not exposed:
            return frozenset(hidden)
        more = _unpin(min(exposed), counts, groups, hidden, avoid)
        if more is None:
            return frozenset(hidden)  # every group is all shown or all hidden: nothing left to widen
        hidden.add(more)
        queue.push(*holding[more])


class _GroupQueue:
    """Group indices to (re)check, smallest first, each queued once."""

    def __init__(self, size: int) -> None:
        self._heap = list(range(size))
        self._queued = set(self._heap)

    def __bool__(self) -> bool:
        return bool(self._heap)

    def push(self, *indices: int) -> None:
        for i in indices:
            if i not in self._queued:
                self._queued.add(i)
                heapq.heappush(self._heap, i)

    def pop(self) -> int:
        i = heapq.heappop(self._heap)
        self._queued.discard(i)
        return i


def _unpin(
    key: str, counts: Mapping[str, int], groups: Sequence[Group], hidden: set[str], avoid: Collection[str]
) -> str | None:
    """Another cell to hide for a hidden cell the equations still determine.

    Tries each partly hidden group's complement, smallest first and avoided ones last, and takes
    the first that leaves ``key`` undetermined (the equation pinning it may run through a group
    that does not hold it, e.g. funnel minus stopped = active); else the first, and loops again.
    """
    candidates = {
        _complement(g, counts, hidden, avoid) for g in groups if 0 < _hidden_in(g, hidden) <= len(g.parts)
    }
    ranked = sorted(candidates, key=lambda c: (c in avoid, counts[c], c))
    return next(
        (c for c in ranked if key not in _determined(groups, hidden | {c})), ranked[0] if ranked else None
    )


def _hidden_in(group: Group, hidden: Collection[str]) -> int:
    return (group.total in hidden) + sum(p in hidden for p in group.parts)


def _leaky(group: Group, counts: Mapping[str, int], hidden: Collection[str], k: int) -> bool:
    """Whether the group's total and shown cells pin a hidden one, taking "< k" at its word.

    With the total shown, the hidden parts add up to a known S. A lone hidden entry is S itself;
    S = 0 makes each 0; and as each "< k" cell reads as at most k - 1, S = h * (k - 1) makes all h
    of them k - 1. Both tests use only S and h, which the reader knows anyway, so the rule itself
    gives nothing away.
    """
    if not group.parts:
        return False  # e.g. no versions yet: an empty sum pins nothing
    if _hidden_in(group, hidden) == 1:
        return True
    parts = [p for p in group.parts if p in hidden]
    if group.total in hidden or not parts:
        return False
    rest = sum(counts[p] for p in parts)
    return rest in (0, len(parts) * (k - 1))


def _complement(
    group: Group, counts: Mapping[str, int], hidden: Collection[str], avoid: Collection[str]
) -> str:
    """The next-smallest shown part (avoided ones last, ties in group order); the total if none is shown."""
    shown = [(p in avoid, counts[p], i, p) for i, p in enumerate(group.parts) if p not in hidden]
    return min(shown)[3] if shown else group.total


def _determined(groups: Sequence[Group], hidden: Collection[str]) -> set[str]:
    """Hidden keys fixed by the group equations alone: exact Gauss-Jordan over the hidden unknowns.

    Each group reads sum(parts) - total = 0; shown entries are constants, so only hidden ones form
    the matrix. A hidden key is determined iff its unit vector lies in the row space, i.e. iff the
    reduced row echelon form has a row with that key alone. Integer rows (fraction-free
    elimination, divided by their gcd) keep it exact and several times faster than Fractions.
    """
    pivots: dict[str, dict[str, int]] = {}
    for group in groups:
        row = {p: 1 for p in group.parts if p in hidden}
        if group.total in hidden:
            row[group.total] = row.get(group.total, 0) - 1
        row = {col: value for col, value in row.items() if value}
        for key in [key for key in row if key in pivots]:
            row = _eliminate(row, pivots[key], key)
        if not row:
            continue
        pivot = min(row)
        for name, other in pivots.items():  # keep the new pivot column clear in the other rows
            if pivot in other:
                pivots[name] = _eliminate(other, row, pivot)
        pivots[pivot] = row
    return {pivot for pivot, row in pivots.items() if len(row) == 1}


def _eliminate(row: dict[str, int], by: dict[str, int], col: str) -> dict[str, int]:
    """``row`` with ``col`` cleared by a multiple of ``by``, in integers."""
    scale, factor = by[col], row[col]
    out = {key: scale * value for key, value in row.items()}
    for key, value in by.items():
        out[key] = out.get(key, 0) - factor * value
    out = {key: value for key, value in out.items() if value}
    divisor = math.gcd(*out.values()) if out else 1
    return {key: value // divisor for key, value in out.items()}


def _make_cells(
    counts: Mapping[str, int],
    hidden: Collection[str],
    share_of: Mapping[str, str],
) -> dict[str, Cell]:
    cells: dict[str, Cell] = {}
    for key, n in counts.items():
        if key in hidden:
            cells[key] = Cell(None, None)
            continue
        total = share_of.get(key)
        visible = total is not None and total not in hidden and counts[total] > 0
        cells[key] = Cell(n, n / counts[total] if visible and total is not None else None)
    return cells


def suppress(counts: Mapping[str, int], k: int, *, total: str | None = None) -> dict[str, Cell]:
    """One group of cells whose sum is shown as their total: the rule above for a single group.

    Rarely the total itself must go too (every part hidden and each exactly k - 1); pass ``total``
    to get its cell under that key as well, and show the total only from there.
    """
    total_key = "\0total" if total is None else total
    counts_all = {**counts, total_key: sum(counts.values())}
    hidden = hidden_cells(counts_all, [Group(total_key, tuple(counts))], k)
    cells = _make_cells(counts_all, hidden, dict.fromkeys(counts, total_key))
    return {key: cells[key] for key in counts_all if total is not None or key != total_key}


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
    takers: Cell  # distinct members who started a session in the period
    funnel: dict[str, Cell]  # FUNNEL_STAGES; parts partition "started" (members, by representative session)
    completion_rate: float | None  # completed / started members; None if either is hidden
    median_minutes: float | None  # median start-to-result time of members' latest results; None if < k
    outcomes: dict[str, Cell]  # ai / ml / hybrid over members' latest results
    weekly: list[tuple[str, dict[str, Cell]]]  # ISO week start (Monday, UTC) -> outcome cells
    questions: list[QuestionStats]  # all questions in quiz order, tie-breaks last
    versions: dict[str, int | None]  # quiz_version -> members' latest results with it (None = hidden)
    week_totals: dict[str, Cell] = field(default_factory=dict)  # week -> members with their result then


# ---------------------------------------------------------------- queries

# One session per member. SQLite fills bare columns (id, status, quiz_version) from the row holding
# the max(), a documented guarantee for a single min()/max() aggregate. Completed sessions rank
# above every start time (1e10 s is the year 2286), so the latest completed one wins, else the latest.
_REP_SESSIONS = """
    SELECT id, status, quiz_version, max((status = 'completed') * 1e10 + started_at) AS _rank
    FROM quiz_sessions
    WHERE guild_id = :guild AND started_at >= :since AND started_at <= :now
    GROUP BY user_id
"""

# Members' latest results in the period: exactly the completed representative sessions above.
_REP_RESULTS = """
    SELECT session_id, outcome, completed_at, completed_at - started_at AS secs, max(started_at) AS _latest
    FROM quiz_results
    WHERE guild_id = :guild AND started_at >= :since AND started_at <= :now
    GROUP BY user_id
"""

_SESSIONS_SQL = f"""
    WITH rep AS ({_REP_SESSIONS})
    SELECT rep.status, rep.quiz_version, s.position, count(*)
    FROM rep LEFT JOIN quiz_sessions AS s
        ON s.id = rep.id AND rep.status IN ('abandoned', 'cancelled', 'expired')
    GROUP BY rep.status, rep.quiz_version, s.position
"""

_WEEKS_SQL = f"""
    WITH rep AS ({_REP_RESULTS})
    SELECT date(completed_at, 'unixepoch', 'weekday 0', '-6 days') AS week, outcome, count(*)
    FROM rep GROUP BY week, outcome
"""

_MEDIAN_SQL = f"""
    WITH rep AS ({_REP_RESULTS})
    SELECT avg(secs) FROM (SELECT secs FROM rep ORDER BY secs LIMIT :take OFFSET :skip)
"""

# Grouped by the session's final position too, so the caller can keep only answers inside the final
# sequence (question index < position): a completed session may still hold tie-break answers it
# dropped by going Back and changing an answer. CROSS JOIN keeps rep outermost: one range read of
# each session's answers (a join on a question table made SQLite rescan rep once per question).
_ANSWERS_SQL = f"""
    WITH rep AS ({_REP_RESULTS})
    SELECT a.question_id, a.option_id, s.position, count(*)
    FROM rep
    CROSS JOIN quiz_sessions AS s ON s.id = rep.session_id
    CROSS JOIN quiz_answers AS a ON a.session_id = rep.session_id
    GROUP BY a.question_id, a.option_id, s.position
"""

_FIRST_START_SQL = "SELECT min(started_at) FROM quiz_sessions WHERE guild_id = :guild"


@asynccontextmanager
async def _snapshot(db: aiosqlite.Connection) -> AsyncIterator[None]:
    """One read transaction, so every query of a summary sees the same WAL snapshot."""
    if db.in_transaction:
        yield
        return
    await db.execute("BEGIN")
    try:
        yield
    finally:
        await db.execute("COMMIT")  # a read transaction: this only releases the snapshot


async def _rows(db: aiosqlite.Connection, sql: str, params: Mapping[str, Any]) -> list[sqlite3.Row]:
    async with db.execute(sql, params) as cur:
        return list(await cur.fetchall())


@dataclass
class _Raw:
    """Aggregated rows as they come from SQL, before any suppression."""

    status: Counter[str] = field(default_factory=Counter)
    stopped_at: Counter[int] = field(default_factory=Counter)  # position -> members
    versions: Counter[str] = field(default_factory=Counter)  # version -> latest results
    weekly: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    answers: Counter[tuple[str, str]] = field(default_factory=Counter)
    first_start: float | None = None


async def _load(db: aiosqlite.Connection, params: Mapping[str, Any], quiz: Quiz) -> _Raw:
    raw = _Raw()
    for status, version, position, n in await _rows(db, _SESSIONS_SQL, params):
        raw.status[status] += n
        if status == "completed":
            raw.versions[version] += n
        else:
            raw.versions[version] += 0  # listed with 0 so a listed version implies nothing
        if position is not None:
            raw.stopped_at[position] += n
    for week, outcome, n in await _rows(db, _WEEKS_SQL, params):
        raw.weekly[week][outcome] += n
    index = {q.id: i for i, q in enumerate(quiz.all_questions)}
    for question_id, option_id, position, n in await _rows(db, _ANSWERS_SQL, params):
        if index.get(question_id, position) < position:
            raw.answers[question_id, option_id] += n
    (first,) = (await _rows(db, _FIRST_START_SQL, params))[0]
    raw.first_start = first
    return raw


async def _median_minutes(db: aiosqlite.Connection, params: Mapping[str, Any], n: int) -> float | None:
    if n == 0:
        return None
    rows = await _rows(db, _MEDIAN_SQL, {**params, "take": 2 - n % 2, "skip": (n - 1) // 2})
    return None if rows[0][0] is None else round(rows[0][0] / 60, 1)


# ---------------------------------------------------------------- summary


def week_start(t: float) -> str:
    """ISO week start (Monday, UTC) of an epoch time, as SQLite's date(..., 'weekday 0', '-6 days')."""
    day = datetime.fromtimestamp(t, UTC).date()
    return (day - timedelta(days=day.weekday())).isoformat()


def _weeks(first: float | None, now: float, found: Iterable[str]) -> list[str]:
    """Every week of the period, empty ones too: a listed week must not imply "at least one"."""
    weeks = set(found)
    if first is not None:
        day, last = date.fromisoformat(week_start(first)), date.fromisoformat(week_start(now))
        while day <= last:
            weeks.add(day.isoformat())
            day += timedelta(days=7)
    return sorted(weeks)


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
    week_totals = {f"week.{w}.total": sum(raw.weekly.get(w, {}).values()) for w in weeks}
    t.group("funnel.completed", week_totals, shares=False)
    for w in weeks:
        t.group(f"week.{w}.total", {f"week.{w}.{o}": raw.weekly.get(w, Counter())[o] for o in OUTCOMES})
    for o in OUTCOMES:
        t.group(
            f"outcome.{o}", {f"week.{w}.{o}": raw.weekly.get(w, Counter())[o] for w in weeks}, shares=False
        )
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


async def summary(
    db: aiosqlite.Connection, *, guild_id: int, period: Period, now: float, k: int, quiz: Quiz
) -> Summary:
    """A guild's figures for the period, suppressed for k.

    ``db``: a connection from ``Storage.open_reader()``, one summary at a time on it (the queries
    share one read transaction for a consistent snapshot). ``now`` bounds the period's end too.
    """
    since = period_start(period, now)
    params = {"guild": guild_id, "since": -math.inf if since is None else since, "now": now}
    async with _snapshot(db):
        raw = await _load(db, params, quiz)
        results = sum(sum(week.values()) for week in raw.weekly.values())
        median = await _median_minutes(db, params, results) if raw.status["completed"] >= k else None
    first = raw.first_start if since is None else since
    weeks = _weeks(first if raw.status else None, now, raw.weekly)
    table = _build(raw, quiz, weeks)
    hidden = hidden_cells(table.counts, table.groups, k, avoid={"funnel.completed"})
    cells = _make_cells(table.counts, hidden, table.share_of)
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
        weekly=[(w, {o: cells[f"week.{w}.{o}"] for o in OUTCOMES}) for w in weeks],
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
        week_totals={w: cells[f"week.{w}.total"] for w in weeks},
    )


# ---------------------------------------------------------------- export


def _count(cell: Cell, k: int) -> str:
    return f"< {k}" if cell.count is None else str(cell.count)


def _share(cell: Cell) -> str:
    return "" if cell.share is None else f"{cell.share:.3f}"


def _csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue().encode("utf-8")


def export_csvs(summary: Summary) -> dict[str, bytes]:
    """Aggregates only: no member ids, no time finer than a week, hidden counts as "< k"."""
    s, k = summary, summary.k
    about = [
        ("period", s.period),
        ("k", k),
        ("members_started", _count(s.takers, k)),
        ("completion_rate", "" if s.completion_rate is None else f"{s.completion_rate:.3f}"),
        ("median_minutes_to_result", "" if s.median_minutes is None else s.median_minutes),
        ("note", SUPPRESSED_NOTE.format(k=k)),
    ]
    funnel = [(stage, _count(c, k), _share(c)) for stage, c in s.funnel.items()]
    weekly = [
        (w, *(_count(cells[o], k) for o in OUTCOMES), _count(s.week_totals[w], k)) for w, cells in s.weekly
    ]
    weekly.append(("all", *(_count(s.outcomes[o], k) for o in OUTCOMES), _count(s.funnel["completed"], k)))
    questions: list[tuple[object, ...]] = []
    for q in s.questions:
        for option_id, cell in q.options.items():
            questions.append(
                (q.id, q.prompt, "option", option_id, q.labels[option_id], _count(cell, k), _share(cell))
            )
        questions.append((q.id, q.prompt, "answered", "", "", _count(q.answered, k), ""))
        questions.append((q.id, q.prompt, "stopped_here", "", "", _count(q.dropoff, k), _share(q.dropoff)))
    return {
        "summary.csv": _csv(("metric", "value"), about),
        "funnel.csv": _csv(("stage", "members", "share_of_started"), funnel),
        "outcomes_by_week.csv": _csv(("week_start", *OUTCOMES, "total"), weekly),
        "questions.csv": _csv(
            ("question_id", "question", "kind", "option_id", "option", "members", "share"), questions
        ),
    }


# ---------------------------------------------------------------- charts

_OUTCOME_COLOURS = {"ai": AI_COLOUR, "ml": ML_COLOUR, "hybrid": "#16a085"}
PERIOD_TEXT: dict[Period, str] = {
    "7d": "last 7 days",
    "30d": "last 30 days",
    "90d": "last 90 days",
    "all": "all time",
}


def _short(text: str, limit: int = 48) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def outcome_chart(summary: Summary) -> bytes:
    return bar_chart(
        f"Quiz results, {PERIOD_TEXT[summary.period]}",
        [OUTCOME_NAMES[o] for o in OUTCOMES],
        [summary.outcomes[o].count for o in OUTCOMES],
        colours=[_OUTCOME_COLOURS[o] for o in OUTCOMES],
        hidden_label=f"< {summary.k}",
        xlabel="members (each member's latest result)",
    )


def funnel_chart(summary: Summary) -> bytes:
    return bar_chart(
        f"Quiz funnel, {PERIOD_TEXT[summary.period]}",
        [stage.capitalize() for stage in FUNNEL_STAGES],
        [summary.funnel[stage].count for stage in FUNNEL_STAGES],
        colours=[AI_COLOUR, "#27ae60", MUTED, "#e67e22", "#e67e22", "#e67e22"],
        hidden_label=f"< {summary.k}",
        xlabel="members (each counted once, by their latest attempt; a finished one first)",
    )


def question_chart(summary: Summary, question_id: str) -> bytes:
    q = next((q for q in summary.questions if q.id == question_id), None)
    if q is None:
        raise KeyError(f"unknown question {question_id!r}")
    stopped = q.dropoff.show(summary.k)
    return bar_chart(
        _short(q.prompt, 70),
        [_short(q.labels[o]) for o in q.options],
        [cell.count for cell in q.options.values()],
        hidden_label=f"< {summary.k}",
        xlabel=f"members who finished (latest result) · stopped at this question: {stopped}",
    )


# ---------------------------------------------------------------- FAQ review queue

FAQ_TEXTS_MAX = 2000  # distinct wordings clustered per call: bounds the Python side on a busy server
FAQ_SIMILAR = 85  # rapidfuzz ratio (0-100) between normalised wordings to count as the same question
_PUNCT = re.compile(r"[^\w\s]+")


@dataclass(frozen=True)
class FaqGroup:
    sample: str  # the group's most frequent wording
    count: int
    closest_entry: str | None  # the entry most often given (downvoted) or best candidate (declined)
    kind: Literal["declined", "downvoted"]


_FAQ_SQL = """
    SELECT 'declined', question, entry_id, count(*) AS n FROM faq_queries
    WHERE guild_id = :guild AND declined = 1 AND asked_at >= :since
    GROUP BY question, entry_id
    UNION ALL
    SELECT 'downvoted', q.question, f.entry_id, count(*) AS n
    FROM faq_feedback AS f JOIN faq_queries AS q ON q.id = f.query_id
    WHERE f.guild_id = :guild AND q.guild_id = :guild AND f.vote = -1 AND f.updated_at >= :since
    GROUP BY q.question, f.entry_id
    ORDER BY n DESC LIMIT :cap
"""


def normalise_question(text: str) -> str:
    """Lowercase, punctuation out, tokens sorted and deduplicated: word order and repeats don't matter."""
    return " ".join(sorted(set(_PUNCT.sub(" ", text.lower()).split())))


@dataclass
class _Cluster:
    wordings: Counter[str] = field(default_factory=Counter)
    entries: Counter[str] = field(default_factory=Counter)

    def add(self, text: str, entry: str | None, n: int) -> None:
        self.wordings[text.strip()] += n
        if entry is not None:
            self.entries[entry] += n

    @property
    def count(self) -> int:
        return sum(self.wordings.values())


def _most_frequent(counter: Counter[str]) -> str:
    """Ties by text, so the same rows always give the same answer whatever order SQL returned."""
    return min(counter.items(), key=lambda item: (-item[1], item[0]))[0]


def _cluster(items: Iterable[tuple[str, str | None, int]]) -> list[_Cluster]:
    """Greedy leader clustering, most frequent wording first.

    Plain ratio on the normalised form, not token_set_ratio: the latter scores a subset as 100, so
    "salary" would swallow "salary in europe vs us" and every other question mentioning salary.
    """
    by_key: dict[str, list[tuple[str, str | None, int]]] = defaultdict(list)
    for text, entry, n in items:
        by_key[normalise_question(text)].append((text, entry, n))
    leaders: list[str] = []
    clusters: dict[str, _Cluster] = {}
    for key in sorted(by_key, key=lambda key: (-sum(n for _, _, n in by_key[key]), key)):
        match = (
            process.extractOne(key, leaders, scorer=fuzz.ratio, score_cutoff=FAQ_SIMILAR) if leaders else None
        )
        leader = match[0] if match else key
        if match is None:
            leaders.append(key)
            clusters[key] = _Cluster()
        for text, entry, n in by_key[key]:
            clusters[leader].add(text, entry, n)
    return list(clusters.values())


async def faq_queue(
    db: aiosqlite.Connection, *, guild_id: int, since: float | None, limit: int = 15
) -> list[FaqGroup]:
    """Declined questions and 👎'd answers, similar wordings grouped, most frequent first."""
    params = {"guild": guild_id, "since": -math.inf if since is None else since, "cap": FAQ_TEXTS_MAX}
    by_kind: dict[str, list[tuple[str, str | None, int]]] = defaultdict(list)
    for kind, question, entry, n in await _rows(db, _FAQ_SQL, params):
        by_kind[kind].append((question, entry, n))
    # Up to ~150 ms of fuzzy matching at FAQ_TEXTS_MAX: off the event loop.
    return await asyncio.to_thread(_faq_groups, by_kind, limit)


def _faq_groups(by_kind: Mapping[str, list[tuple[str, str | None, int]]], limit: int) -> list[FaqGroup]:
    groups = [
        FaqGroup(
            sample=_most_frequent(c.wordings),
            count=c.count,
            closest_entry=_most_frequent(c.entries) if c.entries else None,
            kind="declined" if kind == "declined" else "downvoted",
        )
        for kind, items in by_kind.items()
        for c in _cluster(items)
    ]
    groups.sort(key=lambda g: (-g.count, g.kind, g.sample))
    return groups[:limit]


async def faq_votes(db: aiosqlite.Connection, *, guild_id: int) -> list[tuple[str, int, int]]:
    """(entry_id, 👍, 👎) per entry voted on in this guild."""
    rows = await _rows(
        db,
        "SELECT entry_id, sum(vote = 1), sum(vote = -1) FROM faq_feedback WHERE guild_id = :guild"
        " GROUP BY entry_id ORDER BY entry_id",
        {"guild": guild_id},
    )
    return [(str(entry), int(up), int(down)) for entry, up, down in rows]
