"""The base FAQ model's fitted arrays kept on disk between starts, so a restart skips scikit-learn.

Content-addressed: a file's name is a digest of all its bytes depend on (the exact training job,
bot/faq/_fit.py's source, and the Python, scikit-learn, numpy and scipy versions), so a changed
training set or an upgrade misses and refits; nothing is ever invalidated by hand. A file holds the
fitting child's own output (a JSON line and raw arrays; no pickle) after the SHA-256 of that output,
checked on every read: a torn or corrupt file is logged, ignored and replaced by the refit's. Written
to a temporary file and renamed, so no reader sees half a file (no fsync: the digest catches a file
a crash left short).

Only the shared base model (data/ alone) is cached. A server's model holds its taught examples'
words, member text that retention purges; a cache file must not outlive that.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import sys
import tempfile
import time
from functools import cache
from importlib import metadata
from pathlib import Path

log = logging.getLogger("careerbot.faq")

FIT_SOURCE = Path(__file__).with_name("_fit.py")
FORMAT = b"careerbot-faq-fit 1"  # this file's layout (digest, then the child's output)
PREFIX, SUFFIX = "faq-", ".fit"
KEEP = 4  # newest files kept, so a rollback to the previous data/ or versions still starts warm
STALE_TMP_S = 3600.0  # a temporary file this old was left by a crash mid-write
_DIGEST = hashlib.sha256().digest_size


@cache
def _versions() -> bytes:
    """What the fit's output depends on besides the job and _fit.py (read once per process; the
    metadata is installed files, no import of the packages themselves)."""
    found = [sys.version]
    for name in ("scikit-learn", "numpy", "scipy"):
        try:
            found.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:  # the fit itself then fails and says why
            found.append(f"{name} absent")
    return "\n".join(found).encode()


def key(job: bytes) -> str:
    digest = hashlib.sha256()
    for part in (FORMAT, _versions(), FIT_SOURCE.read_bytes(), job):
        digest.update(len(part).to_bytes(8, "little"))  # lengths: no two splits hash alike
        digest.update(part)
    return digest.hexdigest()


def path_for(directory: Path, name: str) -> Path:
    return directory / f"{PREFIX}{name}{SUFFIX}"


def load(directory: Path, name: str) -> bytes | None:
    """The cached output for this key, or None (missing, unreadable or corrupt: the caller refits)."""
    path = path_for(directory, name)
    try:
        with path.open("rb") as f:
            digest, payload = f.read(_DIGEST), f.read()
    except FileNotFoundError:
        return None
    except OSError as err:
        log.warning("FAQ model cache %s unreadable (%s): fitting instead", path, err)
        return None
    if not payload or hashlib.sha256(payload).digest() != digest:
        log.warning("FAQ model cache %s is corrupt or truncated: ignored, fitting again", path)
        return None
    with contextlib.suppress(OSError):
        os.utime(path)  # recently used: kept by prune()
    return payload


def store(directory: Path, name: str, payload: bytes) -> None:
    """Write atomically; a cache that cannot be written costs the next start a fit, never this one."""
    tmp: str | None = None
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(
            dir=directory, prefix=f".{PREFIX}", suffix=".tmp", delete=False
        ) as f:
            tmp = f.name
            f.write(hashlib.sha256(payload).digest())
            f.write(payload)
        os.replace(tmp, path_for(directory, name))
        tmp = None
        log.info("FAQ model cached in %s", path_for(directory, name))
    except OSError as err:
        log.warning("FAQ model cache not written in %s (%s); the next start fits again", directory, err)
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
    prune(directory)


def prune(directory: Path) -> None:
    """Keep the KEEP most recently used models; drop what a crash mid-write left behind."""
    with contextlib.suppress(OSError):
        fits = sorted(directory.glob(f"{PREFIX}*{SUFFIX}"), key=lambda p: p.stat().st_mtime, reverse=True)
        stale = [
            p for p in directory.glob(f".{PREFIX}*.tmp") if time.time() - p.stat().st_mtime > STALE_TMP_S
        ]
        for old in [*fits[KEEP:], *stale]:
            with contextlib.suppress(OSError):
                old.unlink()
