"""Issue 11 through the fake, as the member sees it: option order kept across a restart, and one live
quiz message after Resume."""

from __future__ import annotations

from typing import Any

import pytest

from fakediscord import FakeDiscord
from tests.conftest import BotRunner
from tests.quiz_paths import AI_PATH, answer_all, shown_ids


@pytest.fixture
def member(fake: FakeDiscord) -> tuple[Any, Any]:
    guild = fake.add_guild(name="Career Hub")
    alice = fake.add_user("alice")
    fake.add_member(guild, alice)
    return guild, alice


def labels(message: Any) -> list[str]:
    return [b["label"] for b in message.components[0]["components"]]


def resume_id(res: Any) -> str:
    return next(c for c in res.message.custom_ids() if c.startswith("cqs:resume:"))


def live_quiz_messages(fake: FakeDiscord, user: Any) -> list[Any]:
    """DM messages that still carry answer buttons."""
    return [m for m in fake.dm_messages(user) if any(c.startswith("cq:") for c in m.custom_ids())]


async def test_a_restart_mid_quiz_shows_the_same_order(
    fake: FakeDiscord, runner: BotRunner, member: tuple[Any, Any]
) -> None:
    guild, alice = member
    await runner.start()
    await fake.invoke(alice, "careerquiz", guild=guild)
    dm = await answer_all(fake, alice, await fake.wait_dm(alice), AI_PATH[:3])
    before = labels(dm)
    await runner.restart()
    res = await fake.invoke(alice, "careerquiz", guild=guild)
    resume = next(cid for cid in res.message.custom_ids() if cid.startswith("cqs:resume:"))
    await fake.click(alice, res.message, resume)
    resumed = await fake.wait_dm(alice, lambda m: "Question 4 of 13" in str(m.embeds))
    assert labels(resumed) == before
    # Back and forward again: still the same order on each question.
    res = await fake.click(alice, resumed, next(c for c in resumed.custom_ids() if c.endswith(":back")))
    back_order = labels(res.message)
    res = await fake.click(alice, res.message, shown_ids(res.message)[0])
    assert labels(res.message) == before
    res = await fake.click(
        alice, res.message, next(c for c in res.message.custom_ids() if c.endswith(":back"))
    )
    assert labels(res.message) == back_order


async def test_after_resume_one_quiz_message_stays_live(
    fake: FakeDiscord, runner: BotRunner, member: tuple[Any, Any]
) -> None:
    guild, alice = member
    await runner.start()
    await fake.invoke(alice, "careerquiz", guild=guild)
    first = await answer_all(fake, alice, await fake.wait_dm(alice), AI_PATH[:4])
    res = await fake.invoke(alice, "careerquiz", guild=guild)
    clicked = await fake.click(alice, res.message, resume_id(res))
    await clicked.wait_followups(1)  # "Check your DMs", sent once the new message is out
    second = await fake.wait_dm(alice, lambda m: m.id != first.id and "Question 5 of 13" in str(m.embeds))
    assert [m.id for m in live_quiz_messages(fake, alice)] == [second.id]
    old = next(m for m in fake.dm_messages(alice) if m.id == first.id)
    assert old.components == [] and str(second.id) in old.embeds[0]["description"]
    # Resumed from DMs too.
    res = await fake.invoke(alice, "careerquiz")
    clicked = await fake.click(alice, res.message, resume_id(res))
    await clicked.wait_followups(1)  # the new quiz message itself; the old one is retired right after
    await fake.wait_for(lambda: second.edits > 0)
    live = live_quiz_messages(fake, alice)
    assert len(live) == 1 and live[0].id != second.id
    assert live[0].embeds[0]["title"].endswith("Question 5 of 13")
