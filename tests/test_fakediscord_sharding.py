"""The fake Discord's sharding, driven by plain discord.py clients (no careerbot code)."""

# ruff: noqa: F811  # `fake` is a pytest fixture imported by name; tests receive and rebind it

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import discord
import pytest
from discord import app_commands

from fakediscord import FakeDiscord, FakeGuild, point_discord_py_at
from fakediscord.fixtures import fake  # noqa: F401


def where(interaction: discord.Interaction) -> str:
    guild = interaction.guild
    return "DM" if guild is None else guild.name


def make_client(client: discord.Client) -> app_commands.CommandTree[discord.Client]:
    tree: app_commands.CommandTree[discord.Client] = app_commands.CommandTree(client)

    @tree.command(name="where", description="Say where the command was used")
    async def where_cmd(interaction: discord.Interaction) -> None:
        await interaction.response.send_message(f"here: {where(interaction)}")

    return tree


@asynccontextmanager
async def running(client: discord.Client, fake: FakeDiscord) -> AsyncIterator[discord.Client]:
    await client.login(fake.token)
    task = asyncio.create_task(client.connect())
    waiter = asyncio.create_task(client.wait_until_ready())
    done, _ = await asyncio.wait({task, waiter}, timeout=10, return_when=asyncio.FIRST_COMPLETED)
    if task in done:
        waiter.cancel()
        task.result()
    assert waiter in done, "client did not become ready"
    try:
        yield client
    finally:
        await client.close()
        await asyncio.wait_for(task, 5)


def events_on(fake: FakeDiscord, shard: int) -> list[str]:
    """Event names the fake wrote to that shard's session, in order."""
    return [json.loads(frame)["t"] for _, frame in fake.gateway.by_shard[shard].log]


def two_shard_world(fake: FakeDiscord) -> tuple[FakeGuild, FakeGuild]:
    fake.shard_count = 2
    even = fake.add_guild("Even Hub", shard=0)
    odd = fake.add_guild("Odd Hub", shard=1)
    assert ((even.id >> 22) % 2, (odd.id >> 22) % 2) == (0, 1)
    return even, odd


async def test_auto_sharded_client_reads_gateway_bot_and_gets_each_guild_on_its_shard(
    fake: FakeDiscord,
) -> None:
    even, odd = two_shard_world(fake)
    alice = fake.add_user("alice")
    fake.add_member(odd, alice)
    with point_discord_py_at(fake):
        client = discord.AutoShardedClient(intents=discord.Intents.default(), guild_ready_timeout=0.05)
        tree = make_client(client)
        async with running(client, fake):
            await tree.sync()
            assert client.shard_count == 2
            # Shards of one process identify one after another, in order.
            assert fake.gateway.identified_shards == [[0, 2], [1, 2]]
            g_even, g_odd = client.get_guild(even.id), client.get_guild(odd.id)
            assert g_even is not None and g_even.shard_id == 0
            assert g_odd is not None and g_odd.shard_id == 1
            assert "GUILD_CREATE" in events_on(fake, 0) and "GUILD_CREATE" in events_on(fake, 1)

            in_guild = await fake.invoke(alice, "where", guild=odd)
            assert in_guild.content == "here: Odd Hub"
            in_dm = await fake.invoke(alice, "where")
            assert in_dm.content == "here: DM"
    # The guild interaction went to shard 1 only, the DM one to shard 0 only.
    assert events_on(fake, 1).count("INTERACTION_CREATE") == 1
    assert events_on(fake, 0).count("INTERACTION_CREATE") == 1
    assert ("GET", "/gateway/bot", 200) in fake.requests


async def test_two_processes_each_see_only_their_shard(fake: FakeDiscord) -> None:
    even, odd = two_shard_world(fake)
    alice, bob = fake.add_user("alice"), fake.add_user("bob")
    fake.add_member(even, alice)
    fake.add_member(odd, bob)
    with point_discord_py_at(fake):
        first = discord.AutoShardedClient(
            intents=discord.Intents.default(), shard_count=2, shard_ids=[0], guild_ready_timeout=0.05
        )
        second = discord.AutoShardedClient(
            intents=discord.Intents.default(), shard_count=2, shard_ids=[1], guild_ready_timeout=0.05
        )
        first_tree, _ = make_client(first), make_client(second)
        async with running(first, fake), running(second, fake):
            await first_tree.sync()
            await fake.wait_connected()
            assert [g.name for g in first.guilds] == ["Even Hub"]
            assert [g.name for g in second.guilds] == ["Odd Hub"]
            assert (await fake.invoke(bob, "where", guild=odd)).content == "here: Odd Hub"
            assert (await fake.invoke(bob, "where")).content == "here: DM"
            assert (await fake.invoke(alice, "where", guild=even)).content == "here: Even Hub"
            # A guild added while both run reaches only the process holding its shard.
            late = fake.add_guild("Late Odd Hub", shard=1)
            await fake.settle()
            await fake.wait_for(lambda: second.get_guild(late.id) is not None)
            assert first.get_guild(late.id) is None
    assert events_on(fake, 1).count("INTERACTION_CREATE") == 1
    assert events_on(fake, 0).count("INTERACTION_CREATE") == 2


async def test_dropping_one_shard_leaves_the_other_serving_and_it_resumes(fake: FakeDiscord) -> None:
    even, odd = two_shard_world(fake)
    alice = fake.add_user("alice")
    fake.add_member(even, alice)
    fake.add_member(odd, alice)
    with point_discord_py_at(fake):
        client = discord.AutoShardedClient(intents=discord.Intents.default(), guild_ready_timeout=0.05)
        tree = make_client(client)
        async with running(client, fake):
            await tree.sync()
            await fake.drop_gateway(4000, shard=1)
            assert (await fake.invoke(alice, "where", guild=even)).content == "here: Even Hub"
            await fake.wait_resumed()
            assert fake.gateway.by_shard[1].resumes == 1
            assert (await fake.invoke(alice, "where", guild=odd)).content == "here: Odd Hub"
    assert fake.gateway.identifies == 2


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [({"shard_id": 3, "shard_count": 2}, 4010), ({"shard_id": 0, "shard_count": 3}, 4010), ({}, 4011)],
)
async def test_invalid_or_missing_shard_is_closed(
    fake: FakeDiscord, kwargs: dict[str, int], code: int
) -> None:
    two_shard_world(fake)
    with point_discord_py_at(fake):
        client = discord.Client(intents=discord.Intents.default(), **kwargs)  # type: ignore[arg-type]
        await client.login(fake.token)
        with pytest.raises(discord.ConnectionClosed) as closed:
            await asyncio.wait_for(client.connect(reconnect=False), 10)
        await client.close()
    assert closed.value.code == code
    assert fake.gateway.close_codes == [code]
    assert fake.gateway.identifies == 0
