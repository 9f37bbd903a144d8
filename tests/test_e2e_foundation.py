"""The real CareerBot against the loopback fake: connecting, syncing deliberately, answering errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.client import EXTENSIONS
from fakediscord import FakeDiscord
from tests.conftest import BotRunner

TREE = {"careerquiz", "compare", "faq", "careerbot", "quizstats", "careerbot-config"}


async def test_connects_and_syncs_exactly_once_then_never_for_an_unchanged_tree(
    fake: FakeDiscord, runner: BotRunner
) -> None:
    bot = await runner.start()
    assert bot.is_ready()
    assert fake.sync_count() == 1
    assert {c["name"] for c in fake.commands()} == TREE
    await runner.restart()
    assert fake.sync_count() == 1, "an unchanged tree must not be re-synced on restart"
    # A changed tree (one cog fewer) is synced again.
    await runner.stop()
    await runner.start_with(extensions=tuple(e for e in EXTENSIONS if e != "cogs.faq"))
    assert fake.sync_count() == 2
    assert "faq" not in {c["name"] for c in fake.commands()}


async def test_dev_guild_syncs_only_that_guild(fake: FakeDiscord, runner: BotRunner) -> None:
    guild = fake.add_guild(name="Dev")
    await runner.start(dev_guild_id=guild.id)
    assert fake.sync_count(guild_id=guild.id) == 1
    assert fake.sync_count() == 0
    assert {c["name"] for c in fake.commands(guild_id=guild.id)} == TREE
    await runner.restart(dev_guild_id=guild.id)
    assert fake.sync_count(guild_id=guild.id) == 1


async def test_command_tree_shape(fake: FakeDiscord, runner: BotRunner) -> None:
    await runner.start()
    by_name = {c["name"]: c for c in fake.commands()}
    for mod_command in ("quizstats", "careerbot-config"):
        cmd = by_name[mod_command]
        assert cmd["default_member_permissions"] == str(1 << 5)  # manage_guild
        assert cmd.get("contexts") == [0]  # servers only
    for public in ("careerquiz", "compare", "faq", "careerbot"):
        assert 1 in by_name[public]["contexts"], f"/{public} must work in the bot's DMs"
        assert by_name[public].get("default_member_permissions") is None
    compare_subs = {o["name"] for o in by_name["compare"]["options"]}
    assert compare_subs == {"salary", "skills", "work", "entry", "outlook"}
    assert {o["name"] for o in by_name["careerbot"]["options"]} == {"about", "myresult", "mydata", "forget"}


async def test_about_answers_ephemerally_with_credit(fake: FakeDiscord, runner: BotRunner) -> None:
    guild = fake.add_guild(name="Career Hub")
    alice = fake.add_user("alice")
    fake.add_member(guild, alice)
    await runner.start()
    res = await fake.invoke(alice, "careerbot about", guild=guild)
    assert res.ephemeral
    embed = res.embeds[0]
    assert "Zen van Riel" in embed["description"]
    assert "/careerbot forget" in str(embed["fields"])
    # What moderators see is said as it is: declined questions and 👎'd ones, never who asked.
    stored = next(f["value"] for f in embed["fields"] if f["name"] == "What I store")
    assert "questions I couldn't answer or that got a 👎, never who asked" in stored
    # And in DMs.
    res = await fake.invoke(alice, "careerbot about")
    assert res.embeds[0]["title"] == "About careerbot"


@pytest.mark.parametrize("command", ["explode", "explode-late"])
async def test_a_failing_command_is_always_answered_with_a_reference(
    fake: FakeDiscord, runner: BotRunner, command: str, caplog: pytest.LogCaptureFixture
) -> None:
    alice = fake.add_user("alice")
    await runner.start_with(extensions=(*EXTENSIONS, "tests.e2e_support.failing_cog"))
    res = await fake.invoke(alice, command)
    assert res.ephemeral
    assert "Something went wrong" in res.content
    ref = res.content.split("`")[1]
    assert len(ref) == 6
    logged = [r for r in caplog.records if "interaction failed" in r.getMessage()]
    assert logged and ref in logged[0].getMessage() and str(alice.id) in logged[0].getMessage()


async def test_token_never_reaches_the_logs(
    fake: FakeDiscord, runner: BotRunner, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    caplog.set_level("DEBUG")
    await runner.start()
    await runner.stop()
    assert fake.token not in caplog.text
