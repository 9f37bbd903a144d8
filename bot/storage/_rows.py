"""Typed rows that storage hands out: the rest of the project never sees sqlite3.Row."""

from __future__ import annotations

from dataclasses import dataclass

from bot.storage._driver import Row


@dataclass(frozen=True)
class SessionRow:
    id: int
    user_id: int
    guild_id: int | None
    origin_channel_id: int | None
    quiz_version: str
    status: str
    position: int
    mode: str
    message_channel_id: int | None
    message_id: int | None
    started_at: float
    updated_at: float
    finished_at: float | None


@dataclass(frozen=True)
class ResultRow:
    id: int
    session_id: int
    user_id: int
    guild_id: int | None
    outcome: str
    fit_ai: int
    fit_ml: int
    quiz_version: str
    content_version: str
    started_at: float
    completed_at: float
    shared_at: float | None = None


@dataclass(frozen=True)
class GuildSettings:
    guild_id: int
    mentions_enabled: bool = True
    mention_channels: tuple[int, ...] = ()
    moderator_roles: tuple[int, ...] = ()
    path_role_ai: int | None = None
    path_role_ml: int | None = None
    path_role_hybrid: int | None = None
    faq_retention_days: int | None = None
    session_retention_days: int | None = None
    left_at: float | None = None

    def path_role(self, outcome: str) -> int | None:
        return {"ai": self.path_role_ai, "ml": self.path_role_ml, "hybrid": self.path_role_hybrid}.get(
            outcome
        )


@dataclass(frozen=True)
class MemberData:
    sessions: int
    results: int
    faq_questions: int
    faq_votes: int
    role_grants: int
    first_seen: float | None
    last_seen: float | None


_SETTINGS_COLUMNS = (
    "mentions_enabled",
    "mention_channels",
    "moderator_roles",
    "path_role_ai",
    "path_role_ml",
    "path_role_hybrid",
    "faq_retention_days",
    "session_retention_days",
    "left_at",
)


def _session(row: Row | None) -> SessionRow | None:
    return SessionRow(**dict(row)) if row is not None else None


def _result(row: Row | None) -> ResultRow | None:
    return ResultRow(**dict(row)) if row is not None else None
