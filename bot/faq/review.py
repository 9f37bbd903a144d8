"""The FAQ review queue: declined and 👎'd questions grouped by wording, and votes per entry."""

from __future__ import annotations

import asyncio
import math
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

import aiosqlite

from bot.faq._text import clean
from bot.stats import _rows

FAQ_TEXTS_MAX = 2000  # distinct wordings clustered per call: bounds the Python side on a busy server
FAQ_SIMILAR = 85  # rapidfuzz ratio (0-100) between normalised wordings to count as the same question
_PUNCT = re.compile(r"[^\w\s]+")


@dataclass(frozen=True)
class FaqGroup:
    sample: str  # the group's most frequent wording
    count: int
    closest_entry: str | None  # the entry most often given (downvoted) or best candidate (declined)
    # "declined": a near-topic gap worth an answer; "noise": declined and off-topic (weather, a bank
    # cover letter), listed after the gaps so it does not crowd them out.
    kind: Literal["declined", "downvoted", "noise"]


_FAQ_SQL = """
    SELECT 'declined', question, entry_id, count(*) AS n FROM faq_queries
    WHERE guild_id = :guild AND declined = 1 AND asked_at >= :since AND asked_at <= :until
    GROUP BY question, entry_id
    UNION ALL
    SELECT 'downvoted', q.question, f.entry_id, count(*) AS n
    FROM faq_feedback AS f JOIN faq_queries AS q ON q.id = f.query_id
    WHERE f.guild_id = :guild AND q.guild_id = :guild AND f.vote = -1
        AND f.updated_at >= :since AND f.updated_at <= :until
    GROUP BY q.question, f.entry_id
    ORDER BY n DESC LIMIT :cap
"""


# What this server's moderators already taught: those wordings are answered as taught (bot/faq/
# answerer.py), so listing them again would only invite teaching them twice.
_TAUGHT_SQL = "SELECT question FROM faq_taught WHERE guild_id = :guild"


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
    from rapidfuzz import fuzz, process  # here, not at start: ~3 MiB only once a queue is reviewed

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
    db: aiosqlite.Connection,
    *,
    guild_id: int,
    since: float | None,
    until: float = math.inf,
    limit: int = 15,
    near: Callable[[str], bool] | None = None,
) -> list[FaqGroup]:
    """Declined questions and 👎'd answers in [since, until], similar wordings grouped, most frequent first;
    a wording this server already taught (the same words, as the answerer compares them) is left out.
    With `near` (the answerer's nearness), declined groups it finds off-topic are marked noise."""
    params = {
        "guild": guild_id,
        "since": -math.inf if since is None else since,
        "until": until,
        "cap": FAQ_TEXTS_MAX,
    }
    taught = {clean(str(row[0])) for row in await _rows(db, _TAUGHT_SQL, {"guild": guild_id})}
    by_kind: dict[str, list[tuple[str, str | None, int]]] = defaultdict(list)
    for kind, question, entry, n in await _rows(db, _FAQ_SQL, params):
        if clean(question) not in taught:
            by_kind[kind].append((question, entry, n))
    # Up to ~150 ms of fuzzy matching at FAQ_TEXTS_MAX: off the event loop.
    return await asyncio.to_thread(_faq_groups, by_kind, limit, near)


def _faq_groups(
    by_kind: Mapping[str, list[tuple[str, str | None, int]]],
    limit: int,
    near: Callable[[str], bool] | None = None,
) -> list[FaqGroup]:
    groups = []
    for kind, items in by_kind.items():
        for c in _cluster(items):
            sample = _most_frequent(c.wordings)
            label: Literal["declined", "downvoted", "noise"] = "downvoted"
            if kind == "declined":
                label = "declined" if near is None or near(sample) else "noise"
            entry = _most_frequent(c.entries) if c.entries and label != "noise" else None
            groups.append(FaqGroup(sample=sample, count=c.count, closest_entry=entry, kind=label))
    groups.sort(key=lambda g: (g.kind == "noise", -g.count, g.kind, g.sample))
    return groups[:limit]


async def faq_votes(
    db: aiosqlite.Connection, *, guild_id: int, since: float | None = None, until: float = math.inf
) -> list[tuple[str, int, int]]:
    """(entry_id, 👍, 👎) per entry, over votes last cast or changed in [since, until], in this guild."""
    rows = await _rows(
        db,
        "SELECT entry_id, sum(CASE WHEN vote = 1 THEN 1 ELSE 0 END), sum(CASE WHEN vote = -1 THEN 1 ELSE 0 END)"
        " FROM faq_feedback WHERE guild_id = :guild"
        " AND updated_at >= :since AND updated_at <= :until GROUP BY entry_id ORDER BY entry_id",
        {"guild": guild_id, "since": -math.inf if since is None else since, "until": until},
    )
    return [(str(entry), int(up), int(down)) for entry, up, down in rows]
