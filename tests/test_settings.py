"""Settings come from the environment and from the project's .env; the environment wins."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.settings import PROJECT_ROOT, Settings


def test_defaults_resolve_against_project_not_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    s = Settings(_env_file=None)  # type: ignore[call-arg]
    assert s.database_path == PROJECT_ROOT / "data" / "careerbot.sqlite3"
    assert s.content_dir == PROJECT_ROOT / "data"
    assert s.discord_token is None
    assert s.dev_guild_id is None


def test_env_file_is_read_and_environment_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    env = tmp_path / ".env"
    env.write_text(
        "DISCORD_TOKEN=from-file\nDEV_GUILD_ID=123\nLOG_LEVEL=DEBUG\nDATABASE_PATH=/tmp/x.sqlite3\n"
    )
    monkeypatch.setenv("LOG_LEVEL", "WARNING")
    s = Settings(_env_file=env)  # type: ignore[call-arg]
    assert s.discord_token is not None and s.discord_token.get_secret_value() == "from-file"
    assert s.dev_guild_id == 123
    assert s.log_level == "WARNING"
    assert s.database_path == Path("/tmp/x.sqlite3")


def test_blank_optional_values_mean_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("DISCORD_TOKEN", "DEV_GUILD_ID", "DISCORD_API_BASE_URL", "DISCORD_GATEWAY_URL"):
        monkeypatch.setenv(name, "")
    s = Settings(_env_file=None)  # type: ignore[call-arg]
    assert (s.discord_token, s.dev_guild_id, s.discord_api_base_url, s.discord_gateway_url) == (None,) * 4


def test_token_is_never_shown_in_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISCORD_TOKEN", "super-secret-token-value")
    s = Settings(_env_file=None)  # type: ignore[call-arg]
    assert "super-secret-token-value" not in repr(s)
    assert "super-secret-token-value" not in str(s.model_dump())


def test_env_example_lists_every_field() -> None:
    example = (PROJECT_ROOT / ".env.example").read_text()
    listed = {line.split("=", 1)[0] for line in example.splitlines() if line and not line.startswith("#")}
    assert listed == {name.upper() for name in Settings.model_fields}
    # Every field has a comment line right above it.
    lines = example.splitlines()
    for i, line in enumerate(lines):
        if line and not line.startswith("#"):
            assert lines[i - 1].startswith("#"), f"{line} has no comment"


def test_shards_unset_mean_automatic_and_ranges_parse(monkeypatch: pytest.MonkeyPatch) -> None:
    s = Settings(_env_file=None)  # type: ignore[call-arg]
    assert (s.shard_count, s.shard_ids, s.runs_shard_zero) == (None, None, True)
    monkeypatch.setenv("SHARD_COUNT", "6")
    monkeypatch.setenv("SHARD_IDS", "3-4, 1")
    s = Settings(_env_file=None)  # type: ignore[call-arg]
    assert (s.shard_count, s.shard_ids, s.runs_shard_zero) == (6, [1, 3, 4], False)


@pytest.mark.parametrize(
    ("count", "ids", "message"),
    [
        ("", "0", "needs SHARD_COUNT"),
        ("2", "2", "[2] outside 0..1 (SHARD_COUNT is 2)"),
        ("2", "one", "'one' is not a shard id"),
        ("0", "", "greater than or equal to 1"),
    ],
)
def test_bad_shard_settings_are_named(
    monkeypatch: pytest.MonkeyPatch, count: str, ids: str, message: str
) -> None:
    monkeypatch.setenv("SHARD_COUNT", count)
    monkeypatch.setenv("SHARD_IDS", ids)
    with pytest.raises(ValueError, match=re.escape(message)):
        Settings(_env_file=None)  # type: ignore[call-arg]
