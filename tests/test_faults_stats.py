"""Issue 9: a forged value in the stats question menu, or the menu used in a DM, gets a clear refusal."""

from __future__ import annotations

from typing import Any

from cogs.stats._select import NOT_IN_DMS, UNKNOWN_QUESTION
from fakediscord import FakeDiscord
from fakediscord.messages import FakeMessage
from tests.conftest import BotRunner
from tests.quiz_paths import AI_PATH, answer_all


async def _setup(fake: FakeDiscord, runner: BotRunner) -> tuple[Any, Any, Any]:
    guild = fake.add_guild(name="A")
    mod, member = fake.add_user("mod"), fake.add_user("member")
    fake.add_member(guild, mod, owner=True)
    fake.add_member(guild, member)
    await runner.start(stats_up_to="now")
    return guild, mod, member


def _select_id(res: Any) -> str:
    return str(next(c for row in res.components for c in row["components"] if c["type"] == 3)["custom_id"])


async def test_forged_question_value_is_refused_plainly(fake: FakeDiscord, runner: BotRunner) -> None:
    guild, mod, _ = await _setup(fake, runner)
    res = await fake.invoke(mod, "quizstats summary", guild=guild, options={"period": "all"})
    for value in ["no-such-question", "x" * 90]:
        reply = await fake.select(mod, res.message, _select_id(res), [value], forge=True)
        assert reply.ephemeral and reply.content == UNKNOWN_QUESTION
        assert not reply.embeds and not reply.attachments
    # The real menu still works after the forged ones.
    real = await fake.select(mod, res.message, _select_id(res), ["work-style"])
    assert real.embeds[-1]["title"].startswith("Which kind of work")  # in place, under the summary


async def test_stats_menu_used_in_a_dm_is_refused_plainly(fake: FakeDiscord, runner: BotRunner) -> None:
    guild, _, member = await _setup(fake, runner)
    await fake.invoke(member, "careerquiz", guild=guild)
    dm = await fake.wait_dm(member)
    # A crafted payload: a message in the member's DM carrying the stats menu (the bot never sends one).
    menu = {"type": 3, "custom_id": "qst:all", "options": [{"label": "Work style", "value": "work-style"}]}
    crafted = FakeMessage(
        id=fake.ids.next(),
        channel_id=dm.channel_id,
        author=dm.author,
        components=[{"type": 1, "components": [menu]}],
    )
    fake.world.store(crafted)
    reply = await fake.select(member, crafted, "qst:all", ["work-style"])
    assert reply.ephemeral and reply.content == NOT_IN_DMS
    assert not reply.embeds and not reply.attachments
    await answer_all(fake, member, dm, AI_PATH)  # the member's quiz is untouched by it
