"""Statistics at a cut-off show the community as it stood then: later finishes and questions change nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.content import Content
from bot.faq.review import faq_queue, faq_votes
from bot.stats import summary
from bot.storage import Storage

T0, CUT, LATER = 1_700_000_000.0, 1_700_100_000.0, 1_700_200_000.0


@pytest.fixture
async def storage(tmp_path: Path) -> AsyncIterator[Storage]:
    s = Storage(tmp_path / "db.sqlite3")
    await s.open()
    yield s
    await s.close()


async def finish(storage: Storage, user: int, started: float, completed: float) -> None:
    sess = await storage.start_session(
        user_id=user, guild_id=1, origin_channel_id=None, quiz_version="v", mode="dm", now=started
    )
    await storage.complete_session(
        sess.id,
        expect_position=0,
        position=1,
        answer=("work-style", "build"),
        outcome="ai",
        fit_ai=90,
        fit_ml=10,
        content_version="c",
        now=completed,
    )


async def test_a_session_finished_after_the_cutoff_still_reads_active(
    storage: Storage, content: Content
) -> None:
    await finish(storage, 1, T0, T0 + 60)  # finished before the cut-off
    await finish(storage, 2, T0, LATER)  # started before, finished after
    reader = await storage.open_reader()
    try:
        before = await summary(reader, guild_id=1, period="all", now=CUT, k=1, quiz=content.quiz)
        after = await summary(reader, guild_id=1, period="all", now=LATER + 1, k=1, quiz=content.quiz)
    finally:
        await reader.close()
    assert before.funnel["completed"].count == 1 and before.funnel["active"].count == 1
    assert before.outcomes["ai"].count == 1
    assert after.funnel["completed"].count == 2 and after.outcomes["ai"].count == 2


async def test_faq_review_stops_at_the_cutoff(storage: Storage) -> None:
    for when, text in ((T0, "how do I install cuda"), (LATER, "best pizza near me")):
        qid = await storage.record_faq_query(
            user_id=5,
            guild_id=1,
            question=text,
            entry_id="which-path",
            score=0.1,
            declined=True,
            source="slash",
            now=when,
        )
        await storage.set_feedback(
            user_id=int(when), entry_id="which-path", guild_id=1, vote=-1, query_id=qid, now=when
        )
    reader = await storage.open_reader()
    try:
        queue = await faq_queue(reader, guild_id=1, since=None, until=CUT)
        votes = await faq_votes(reader, guild_id=1, since=None, until=CUT)
    finally:
        await reader.close()
    assert {g.sample for g in queue} == {"how do I install cuda"}
    assert votes == [("which-path", 0, 1)]
