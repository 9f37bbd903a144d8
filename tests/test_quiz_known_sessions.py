"""A click decided from what the bot last saw of a session (bot/storage/_known.py), when that is out of
date: another process moved the session, expired it or deleted it meanwhile. The member must see what
the database holds, and nothing may be written from the stale copy. On both backends."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from bot.content import Content
from bot.quiz import engine as quiz
from bot.quiz import summary
from bot.quiz.service import QuizService
from bot.storage import Storage
from fakediscord import FakeDiscord
from tests.conftest import BotRunner
from tests.quiz_paths import AI_PATH, answer_all, db_rows, nav_id, option_ids

BOTH_BACKENDS = True
SUCCESS = 3  # the button style of the answer already chosen


@asynccontextmanager
async def other_process(runner: BotRunner, content: Content) -> AsyncIterator[QuizService]:
    """The quiz service of a second bot process on the same database (another shard, say)."""
    storage = Storage(runner.db_path)
    await storage.open()
    try:
        yield QuizService(content, storage, idle_hours=24)
    finally:
        await storage.close()


def question_of(message: Any) -> str:
    return str(message.components[0]["components"][0]["custom_id"].split(":")[2])


def chosen(message: Any) -> list[str]:
    """custom_ids of the answer buttons shown as already chosen."""
    return [c["custom_id"] for c in message.components[0]["components"] if c["style"] == SUCCESS]


async def started(fake: FakeDiscord, guild: Any, user: Any) -> tuple[Any, int]:
    res = await fake.invoke(user, "careerquiz", guild=guild)
    assert "Check your DMs" in res.content
    dm = await fake.wait_dm(user)
    return dm, int(option_ids(dm)[0].split(":")[1])


async def begun(fake: FakeDiscord, runner: BotRunner, member: tuple[Any, Any]) -> tuple[Any, int]:
    """The bot started and the member's quiz begun: its first question's DM and the session id."""
    await runner.start()
    return await started(fake, *member)


async def one_answer_in(fake: FakeDiscord, runner: BotRunner, member: tuple[Any, Any]) -> tuple[Any, int]:
    """The bot started, the member's quiz begun and its first question answered: the bot knows it."""
    dm, sid = await begun(fake, runner, member)
    return (await fake.click(member[1], dm, option_ids(dm)[0])).message, sid


async def test_a_session_another_process_moved_is_read_again_before_the_click_is_saved(
    fake: FakeDiscord, runner: BotRunner, member: tuple[Any, Any], content: Content
) -> None:
    _, alice = member
    dm, sid = await begun(fake, runner, member)
    q1, q1_here = question_of(dm), option_ids(dm)[0].split(":")[3]
    dm = (await fake.click(alice, dm, option_ids(dm)[0])).message  # this bot now knows {q1}
    q2 = question_of(dm)
    async with other_process(runner, content) as other:
        # Elsewhere, the member answers q2 and q3, then steps back twice: the row is at q2 again, as
        # this bot last saw it, but now holds answers this bot never saw.
        q2_there = option_ids(dm)[3].split(":")[3]
        step = await other.answer(sid, alice.id, q2, q2_there)
        assert step.step is not None
        q3 = step.step.question.id
        q3_there = step.step.question.options[2].id
        await other.answer(sid, alice.id, q3, q3_there)
        await other.back(sid, alice.id)
        await other.back(sid, alice.id)

    q2_here = option_ids(dm)[1]
    res = await fake.click(alice, dm, q2_here)  # q2 again, a different answer, here
    assert res.error is None

    # The member sees q3 with the answer they gave elsewhere still marked, as the database holds it.
    assert question_of(res.message) == q3
    assert [cid.split(":")[3] for cid in chosen(res.message)] == [q3_there]
    rows = dict(db_rows(runner.db_path, "SELECT question_id, option_id FROM quiz_answers"))
    assert rows == {q1: q1_here, q2: q2_here.split(":")[3], q3: q3_there}


async def test_back_on_a_session_another_process_changed_shows_the_answer_given_there(
    fake: FakeDiscord, runner: BotRunner, member: tuple[Any, Any], content: Content
) -> None:
    _, alice = member
    dm, sid = await one_answer_in(fake, runner, member)  # this bot knows q1's answer: option 0
    async with other_process(runner, content) as other:
        # Elsewhere the member steps back and answers q1 again, differently: same position as here.
        back = await other.back(sid, alice.id)
        assert back.step is not None
        q1, q1_there = back.step.question.id, back.step.question.options[3].id
        await other.answer(sid, alice.id, q1, q1_there)

    res = await fake.click(alice, dm, nav_id(dm, "back"))

    assert res.error is None and question_of(res.message) == q1
    assert [cid.split(":")[3] for cid in chosen(res.message)] == [q1_there]
    assert dict(db_rows(runner.db_path, "SELECT question_id, option_id FROM quiz_answers")) == {q1: q1_there}


async def test_a_session_expired_elsewhere_is_not_answered_from_memory(
    fake: FakeDiscord, runner: BotRunner, member: tuple[Any, Any], content: Content
) -> None:
    _, alice = member
    dm, sid = await one_answer_in(fake, runner, member)
    async with other_process(runner, content) as other:
        # Another process's housekeeping ends it (its clock says the member went quiet long ago).
        assert await other.storage.expire_idle(idle_before=float("inf"), now=1.0) == 1

    res = await fake.click(alice, dm, option_ids(dm)[0])

    assert res.error is None and res.ephemeral
    assert "expired" in res.content and "/careerquiz" in res.content
    assert db_rows(runner.db_path, "SELECT status, position FROM quiz_sessions WHERE id = ?", (sid,)) == [
        ("expired", 1)
    ]
    assert db_rows(runner.db_path, "SELECT count(*) FROM quiz_answers")[0][0] == 1


async def test_a_session_deleted_elsewhere_is_not_answered_from_memory(
    fake: FakeDiscord, runner: BotRunner, member: tuple[Any, Any], content: Content
) -> None:
    _, alice = member
    dm, _ = await one_answer_in(fake, runner, member)
    async with other_process(runner, content) as other:
        await other.storage.forget_member(alice.id)  # /careerbot forget, handled by the other shard

    res = await fake.click(alice, dm, option_ids(dm)[0])

    assert res.error is None and res.ephemeral
    assert "can't find that quiz" in res.content
    assert db_rows(runner.db_path, "SELECT count(*) FROM quiz_sessions")[0][0] == 0
    assert db_rows(runner.db_path, "SELECT count(*) FROM quiz_answers")[0][0] == 0


async def test_forget_leaves_nothing_of_the_member_in_the_bots_memory(
    fake: FakeDiscord, runner: BotRunner, member: tuple[Any, Any]
) -> None:
    guild, alice = member
    bot = await runner.start()
    dm, sid = await started(fake, guild, alice)
    await fake.click(alice, dm, option_ids(dm)[0])
    assert bot.storage.known_session(sid) is not None

    ask = await fake.invoke(alice, "careerbot forget", guild=guild)
    confirm = next(cid for cid in ask.custom_ids() if cid.startswith("cbf:"))
    done = await fake.click(alice, ask.message, confirm)

    assert "everything I stored about you is deleted" in done.content
    assert bot.storage.known_session(sid) is None


async def test_the_last_answer_on_a_quiz_changed_elsewhere_is_scored_on_the_stored_answers(
    fake: FakeDiscord, runner: BotRunner, member: tuple[Any, Any], content: Content
) -> None:
    _, alice = member
    dm, sid = await begun(fake, runner, member)
    dm = await answer_all(fake, alice, dm, AI_PATH[:-1])  # this bot knows every answer but the last
    async with other_process(runner, content) as other:
        # Elsewhere the member steps back, answers the one before last at the ML end, and is at the
        # last question again: the position this bot last saw, with an answer it never saw.
        back = await other.back(sid, alice.id)
        assert back.step is not None
        changed = back.step.question
        await other.answer(sid, alice.id, changed.id, changed.options[-1].id)

    res = await fake.click(alice, dm, option_ids(dm)[0])  # the last answer, here

    # The result is scored on the answers the database holds, the one given elsewhere among them.
    stored = dict(db_rows(runner.db_path, "SELECT question_id, option_id FROM quiz_answers"))
    assert stored[changed.id] == changed.options[-1].id and len(stored) == len(AI_PATH)
    expected = quiz.explain(content, stored, None)
    assert db_rows(runner.db_path, "SELECT outcome, fit_ai, fit_ml FROM quiz_results") == [
        (expected.score.outcome, expected.score.fit_ai, expected.score.fit_ml)
    ]
    assert res.error is None and res.message.embeds[0]["title"] == summary.title(expected)
