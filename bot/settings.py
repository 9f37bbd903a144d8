"""The one settings object: environment variables win over the project's `.env`."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

# Located from the package, never the cwd, so `careerbot` behaves the same from any directory.
PROJECT_ROOT = Path(__file__).resolve().parent.parent
ENV_FILE = PROJECT_ROOT / ".env"


def database_target(url: str) -> Path | str:
    """``sqlite:///rel/path`` (relative to the project) or ``sqlite:////abs/path`` -> a file; else the URL."""
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        return path if path.is_absolute() else PROJECT_ROOT / path
    return url


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=ENV_FILE, env_file_encoding="utf-8", extra="ignore", case_sensitive=False
    )

    discord_token: SecretStr | None = Field(default=None, description="Bot token; needed only to connect")
    database_path: Path = Path("data/careerbot.sqlite3")
    # sqlite:///data/careerbot.sqlite3 (relative to the project; four slashes for an absolute path) or
    # postgresql://user@host/db. Set, it wins over DATABASE_PATH. A secret: it may carry a password.
    database_url: SecretStr | None = None
    # How long a write waits for another process's lock before the member is told to click again;
    # under Discord's 3 s acknowledgement window so that reply still reaches them.
    database_busy_timeout_ms: int = Field(default=1500, ge=0)
    # PostgreSQL only: most connections one process opens for members' clicks (opened as needed, closed
    # when idle). Under load a click holds one for a few passes of the event loop; with ten, clicks
    # queued for a connection past the acknowledgement budget (bench.quiz_load). Keep the sum over all
    # processes under the server's max_connections (100 by default).
    database_pool_size: int = Field(default=30, ge=1, le=500)
    content_dir: Path = Path("data")
    # Start-up caches between starts: the validated content and the FAQ answerer's fitted base model
    # (each content-addressed; safe to delete). Blank: $XDG_CACHE_HOME/careerbot, else ~/.cache/careerbot.
    cache_dir: Path = Field(default=None, validate_default=True)
    dev_guild_id: int | None = None
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    discord_api_base_url: str | None = None  # e.g. a REST proxy or the loopback fake
    discord_gateway_url: str | None = None

    quiz_idle_hours: float = Field(default=24.0, gt=0)
    chart_cooldown_seconds: float = Field(default=10.0, ge=0)
    faq_cooldown_seconds: float = Field(default=5.0, ge=0)
    export_cooldown_seconds: float = Field(default=60.0, ge=0)
    faq_retention_days: int = Field(default=90, ge=1)
    guild_grace_days: int = Field(default=30, ge=0)
    suppression_k: int = Field(default=5, ge=1)
    # "last-week": moderators' statistics stop at the start of the current UTC week, so comparing two
    # summaries never isolates one member's answers; "now" includes everything up to the moment.
    stats_up_to: Literal["last-week", "now"] = "last-week"
    housekeeping_minutes: float = Field(default=60.0, gt=0)
    guild_ready_timeout: float = Field(default=2.0, ge=0)
    # Unset: one process, discord.py picks the shard count. Set: this process runs exactly SHARD_IDS
    # (e.g. "0-1" or "0,2") of SHARD_COUNT; other processes sharing the database run the rest.
    shard_count: int | None = Field(default=None, ge=1)
    shard_ids: Annotated[list[int] | None, NoDecode] = None

    @field_validator("database_path", "content_dir", "cache_dir")
    @classmethod
    def _against_project(cls, value: Path) -> Path:
        return value if value.is_absolute() else PROJECT_ROOT / value

    @field_validator("cache_dir", mode="before")
    @classmethod
    def _xdg_cache(cls, value: object) -> object:
        if value is None or (isinstance(value, str) and not value.strip()):
            return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "careerbot"
        return value

    @field_validator("shard_ids", mode="before")
    @classmethod
    def _shard_ranges(cls, value: object) -> object:
        """ "0-1,4" -> [0, 1, 4]; blank -> None."""
        if not isinstance(value, str):
            return value
        ids: list[int] = []
        for part in filter(None, (p.strip() for p in value.split(","))):
            first, _, last = part.partition("-")
            try:
                low, high = int(first), int(last or first)
            except ValueError:
                raise ValueError(f"{part!r} is not a shard id or a range like 0-3") from None
            ids.extend(range(low, high + 1))
        return sorted(set(ids)) or None

    @field_validator("shard_ids", mode="after")
    @classmethod
    def _shards_fit(cls, value: list[int] | None, info: ValidationInfo) -> list[int] | None:
        count = info.data.get("shard_count")  # validated first: declared above
        if value is not None:
            if count is None:
                raise ValueError("needs SHARD_COUNT (the total number of shards across processes)")
            outside = [i for i in value if not 0 <= i < count]
            if outside:
                raise ValueError(f"{outside} outside 0..{count - 1} (SHARD_COUNT is {count})")
        return value

    @property
    def runs_shard_zero(self) -> bool:
        """Shard 0 gets DMs; its process is the one that syncs commands."""
        return self.shard_ids is None or 0 in self.shard_ids

    @field_validator(
        "dev_guild_id", "discord_api_base_url", "discord_gateway_url", "shard_count", mode="before"
    )
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        return None if value == "" else value

    @field_validator("database_url", mode="before")
    @classmethod
    def _database_scheme(cls, value: object) -> object:
        if isinstance(value, str) and not value.strip():
            return None
        text = value.get_secret_value() if isinstance(value, SecretStr) else value
        if isinstance(text, str) and not text.startswith(("sqlite:///", "postgresql://", "postgres://")):
            # Never echo the value: it may hold a password.
            raise ValueError("must start with sqlite:/// or postgresql://")
        return value

    @property
    def database(self) -> Path | str:
        """Where storage lives: a SQLite file (from DATABASE_URL or DATABASE_PATH) or a PostgreSQL URL."""
        if self.database_url is None:
            return self.database_path
        return database_target(self.database_url.get_secret_value())

    @field_validator("discord_token", mode="before")
    @classmethod
    def _blank_token_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value
