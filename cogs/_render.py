"""Embed builders shared by the cogs: presentation only, no scoring, retrieval or SQL."""

from __future__ import annotations

import discord

from bot import charts
from bot.content import Content
from bot.storage import GuildSettings, MemberData

BRAND = discord.Colour.from_rgb(88, 101, 242)
# The charts' colours, so an embed and its chart agree.
TRACK_COLOURS = {t: discord.Colour.from_str(hex_) for t, hex_ in charts.TRACK_COLOURS.items()}
HYBRID_COLOUR = discord.Colour.from_str(charts.HYBRID_COLOUR)
FIELD_MAX = 1024


def section_name(content: Content, section: str) -> str:
    return content.careers.article.sections.get(section, section)  # type: ignore[call-overload, no-any-return]


def fit(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def about_embed(content: Content, version: str) -> discord.Embed:
    article = content.careers.article
    embed = discord.Embed(
        title="About careerbot",
        colour=BRAND,
        description=(
            "I help you choose between the **AI Engineer** and **ML Engineer** paths: take `/careerquiz`, "
            "compare the two with `/compare`, or ask me with `/faq`. Everything I say comes from the "
            f"article *{article.title}* by **{article.author}** ({article.author_role}), in my own words."
        ),
    )
    embed.add_field(
        name="What I store",
        value=(
            "Your quiz sessions, answers and results; the FAQ questions you ask (text kept "
            "for a limited time) and your 👍/👎 votes. Moderators see totals, with small groups hidden, "
            "and the wording of questions I couldn't answer or that got a 👎, never who asked or answered what."
        ),
        inline=False,
    )
    embed.add_field(
        name="Your data",
        value="`/careerbot mydata` shows what I keep about you; `/careerbot forget` deletes all of it.",
        inline=False,
    )
    embed.set_footer(
        text=f"careerbot {version} · content {content.content_version} · quiz {content.quiz_version}"
    )
    return embed


def mydata_embed(data: MemberData) -> discord.Embed:
    def when(ts: float | None) -> str:
        return f"<t:{int(ts)}:D>" if ts else "—"

    embed = discord.Embed(title="What careerbot stores about you", colour=BRAND)
    embed.add_field(name="Quiz sessions", value=str(data.sessions))
    embed.add_field(name="Quiz results", value=str(data.results))
    embed.add_field(name="FAQ questions asked", value=str(data.faq_questions))
    embed.add_field(name="FAQ votes", value=str(data.faq_votes))
    embed.add_field(name="Path roles given", value=str(data.role_grants))
    embed.add_field(name="First / last activity", value=f"{when(data.first_seen)} / {when(data.last_seen)}")
    embed.set_footer(text="/careerbot forget deletes all of it. Moderators see totals, never who you are.")
    return embed


def settings_embed(guild: discord.Guild, s: GuildSettings, default_retention: int, k: int) -> discord.Embed:
    def role(rid: int | None) -> str:
        return f"<@&{rid}>" if rid else "not set"

    embed = discord.Embed(title=f"careerbot settings for {guild.name}", colour=BRAND)
    mods = ", ".join(f"<@&{r}>" for r in s.moderator_roles) or "none (Manage Server only)"
    embed.add_field(name="Moderator roles", value=mods, inline=False)
    embed.add_field(
        name="Path roles (members opt in)",
        value=f"AI: {role(s.path_role_ai)}\nML: {role(s.path_role_ml)}\nBoth paths: {role(s.path_role_hybrid)}",
        inline=False,
    )
    where = ", ".join(f"<#{c}>" for c in s.mention_channels) or "every channel I can read"
    embed.add_field(
        name="Answer mentions", value=f"{'on' if s.mentions_enabled else 'off'}: {where}", inline=False
    )
    retention = s.faq_retention_days or default_retention
    sessions = f"{s.session_retention_days} days" if s.session_retention_days else "kept"
    embed.add_field(
        name="Retention",
        value=f"FAQ question text: {retention} days · unfinished quiz sessions: {sessions} · results: until the member forgets them",
        inline=False,
    )
    embed.set_footer(text=f"Statistics hide any group smaller than {k} members.")
    return embed
