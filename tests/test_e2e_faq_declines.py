"""FAQ declines and bad input end to end through the fake: declines never post publicly in a
channel, /faq public answers in the channel, and hostile mentions never crash or ping."""

from __future__ import annotations

from typing import Any, NamedTuple

import pytest

from fakediscord import FakeDiscord
from fakediscord.messages import FakeMessage
from tests.conftest import BotRunner
from tests.quiz_paths import db_rows

ZERO_WIDTH = "\u200b\u200c\u200d\u2060"


class Members(NamedTuple):
    guild: Any
    alice: Any


@pytest.fixture
def members(fake: FakeDiscord) -> Members:
    guild = fake.add_guild(name="Career Hub")
    alice = fake.add_user("alice")
    fake.add_member(guild, alice)
    return Members(guild, alice)


async def test_a_declined_mention_gets_a_reaction_and_a_dm_hint_not_a_channel_post(
    fake: FakeDiscord, runner: BotRunner, members: Members
) -> None:
    guild, alice = members
    await runner.start()
    asked = await fake.send_message(
        alice, guild.general, "how much do data scientists earn at google?", guild=guild
    )
    hint = await fake.wait_dm(alice)
    assert "don't think it covers that" in hint.content and guild.general.mention in hint.content
    assert hint.allowed_mentions is not None and hint.allowed_mentions.get("parse") == []
    await fake.wait_for(lambda: bool(asked.reactions))
    assert [u.id for u in asked.reactions["🤷"]] == [fake.bot_user.id]
    bot_posts = [m for m in fake.channel_messages(guild.general) if m.author.id == fake.bot_user.id]
    assert bot_posts == []
    assert db_rows(runner.db_path, "SELECT source, declined FROM faq_queries") == [("mention", 1)]


async def test_a_declined_mention_with_closed_dms_keeps_only_the_reaction(
    fake: FakeDiscord, runner: BotRunner, members: Members
) -> None:
    guild, alice = members
    fake.close_dms(alice)
    await runner.start()
    asked = await fake.send_message(alice, guild.general, "recommend a good pizza place", guild=guild)
    await fake.wait_for(lambda: bool(asked.reactions))
    assert [m for m in fake.channel_messages(guild.general) if m.author.id == fake.bot_user.id] == []
    assert fake.dm_messages(alice) == []


async def test_faq_public_answers_in_the_channel_but_a_decline_stays_private(
    fake: FakeDiscord, runner: BotRunner, members: Members
) -> None:
    guild, alice = members
    await runner.start()
    shown = await fake.invoke(
        alice, "faq", guild=guild, options={"question": "which role pays more?", "public": True}
    )
    assert (
        not shown.ephemeral
        and shown.embeds
        and "Which Role Pays More" in shown.embeds[0]["fields"][0]["value"]
    )
    private = await fake.invoke(alice, "faq", guild=guild, options={"question": "which role pays more?"})
    assert private.ephemeral
    declined = await fake.invoke(
        alice, "faq", guild=guild, options={"question": "write me a cover letter for a bank", "public": True}
    )
    assert declined.ephemeral and "don't think it covers that" in declined.content


async def test_city_pay_question_is_answered_from_salary(
    fake: FakeDiscord, runner: BotRunner, members: Members
) -> None:
    guild, alice = members
    await runner.start()
    res = await fake.invoke(
        alice, "faq", guild=guild, options={"question": "How much do ML engineers make in Berlin"}
    )
    embed = res.embeds[0]
    assert "Which Role Pays More" in embed["fields"][0]["value"]
    assert (
        "no per-country or per-city figures" in embed["description"]
        or "no figures for particular cities" in embed["description"]
    )


BAD_MENTIONS = [
    "",
    "a" * 6000,
    ZERO_WIDTH * 10,
    "🤖🔥💯" * 30,
    "<@123456789012345678> <@&42> @everyone @here what pays more?",
    "```python\nprint('which role pays more')\n```",
]


async def test_bad_input_in_mentions_is_answered_or_declined_never_echoed_with_a_ping(
    fake: FakeDiscord, runner: BotRunner, members: Members
) -> None:
    guild, alice = members
    await runner.start()
    for text in BAD_MENTIONS:
        asked = await fake.send_message(alice, guild.general, text, guild=guild)

        def handled(asked: FakeMessage = asked) -> bool:
            replies = [
                m
                for m in fake.channel_messages(guild.general)
                if m.reference and str(m.reference.get("message_id")) == str(asked.id)
            ]
            return bool(replies) or bool(asked.reactions)

        await fake.wait_for(handled)
    for m in fake.channel_messages(guild.general) + fake.dm_messages(alice):
        if m.author.id != fake.bot_user.id:
            continue
        assert m.allowed_mentions is not None and m.allowed_mentions.get("parse") == []
        assert "@everyone" not in m.content and "<@123456789012345678>" not in m.content
    assert not fake.problems()


async def test_a_failing_faq_button_gets_a_reference_like_the_quizs(
    fake: FakeDiscord, runner: BotRunner, members: Members, caplog: pytest.LogCaptureFixture
) -> None:
    """The FAQ's buttons share the quiz's base (cogs/_shared.py GuardedButton) and its one error path."""
    guild, alice = members
    await runner.start()
    shown = await fake.invoke(alice, "faq", guild=guild, options={"question": "which role pays more?"})
    up = next(c for c in shown.custom_ids() if ":up:" in c)
    # A real fault, not a mock: the votes table is gone from under the bot.
    db_rows(runner.db_path, "DROP TABLE faq_feedback")
    res = await fake.click(alice, shown, up)
    assert res.ephemeral and "Something went wrong" in res.content
    ref = res.content.split("`")[1]
    assert len(ref) == 6
    logged = [r.getMessage() for r in caplog.records if "interaction failed" in r.getMessage()]
    assert logged and ref in logged[0] and "faqv:" in logged[0]


async def test_a_pay_question_naming_a_city_shows_the_articles_bands_and_no_city_figures(
    fake: FakeDiscord, runner: BotRunner, members: Members
) -> None:
    guild, alice = members
    await runner.start()
    res = await fake.invoke(
        alice, "faq", guild=guild, options={"question": "what would an AI engineer earn in London?"}
    )
    said = res.embeds[0]["description"]
    assert "Which Role Pays More" in res.embeds[0]["fields"][0]["value"]
    assert "$110-160k" in said
    assert said.count("no figures for particular cities or countries") == 1


async def test_a_hello_mention_gets_a_friendly_pointer_in_the_channel_not_a_decline(
    fake: FakeDiscord, runner: BotRunner, members: Members
) -> None:
    guild, alice = members
    await runner.start()
    asked = await fake.send_message(alice, guild.general, "hello!", guild=guild)
    reply = await fake.wait_channel_message(guild.general.id)
    assert str((reply.reference or {}).get("message_id")) == str(asked.id)
    assert reply.content.startswith("Hi!")
    assert "/careerquiz" in reply.content and "/compare" in reply.content and "/faq" in reply.content
    assert "don't think it covers that" not in reply.content
    assert reply.allowed_mentions is not None and reply.allowed_mentions.get("parse") == []
    assert not asked.reactions and fake.dm_messages(alice) == []


async def test_thanks_in_faq_gets_you_are_welcome_not_a_decline(
    fake: FakeDiscord, runner: BotRunner, members: Members
) -> None:
    guild, alice = members
    await runner.start()
    res = await fake.invoke(alice, "faq", guild=guild, options={"question": "thanks a lot!", "public": True})
    assert res.ephemeral and res.content.startswith("You're welcome!") and "/faq" in res.content
    assert "don't think it covers that" not in res.content
    assert not [cid for cid in res.message.custom_ids() if cid.startswith("faqt:")]


async def test_a_tool_the_article_never_names_is_called_out_under_the_answer(
    fake: FakeDiscord, runner: BotRunner, members: Members
) -> None:
    guild, alice = members
    await runner.start()
    res = await fake.invoke(
        alice, "faq", guild=guild, options={"question": "should ai engineers learn langchain"}
    )
    said = res.embeds[0]["description"]
    assert said.endswith("The article doesn't mention LangChain: the answer above is only what it does list.")
