"""`careerbot db copy`: every table from one database to another (SQLite <-> PostgreSQL).

Both ends are opened as careerbot storage first, so both carry the same migrations. The source is read
in one snapshot, in batches; the target is written in one transaction, so a failed copy leaves it as it
was. The copy is then checked: each table's row count, and a digest of its rows, equal on both sides.
The statistics rollups are derived rows: the target's are rebuilt from what was copied, in the same
transaction.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from bot.storage._base import StorageBase, StorageError
from bot.storage._postgres import PgTx
from bot.storage._rollups import TABLES as ROLLUPS
from bot.storage._rollups import rebuild

BATCH = 5000
# Parents before children (foreign keys); tables added by later migrations follow, by name.
_ORDER = ("guild_settings", "quiz_sessions", "quiz_answers", "quiz_results", "faq_queries", "faq_feedback")


@dataclass(frozen=True)
class TableCopy:
    table: str
    rows: int
    digest: str


async def tables(storage: StorageBase) -> list[str]:
    if storage.is_postgres:
        sql = (
            "SELECT table_name AS name FROM information_schema.tables"
            " WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
        )
    else:
        sql = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    # The statistics rollups are derived rows: the copy rebuilds them from what it copied instead.
    names = {str(r["name"]) for r in await storage._all(sql)} - {"schema_version", *ROLLUPS}
    return [t for t in _ORDER if t in names] + sorted(names - set(_ORDER))


def _canonical(value: Any) -> str:
    # SQLite may hand back 3 where PostgreSQL hands back 3.0 for the same REAL cell: compare as numbers.
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return repr(value)


class _Digest:
    """Order-independent digest of a table's rows (XOR of row hashes, plus the count)."""

    def __init__(self) -> None:
        self.acc, self.rows = 0, 0

    def add(self, columns: Sequence[str], values: Sequence[Any]) -> None:
        line = "\x1f".join(f"{c}={_canonical(v)}" for c, v in sorted(zip(columns, values, strict=True)))
        self.acc ^= int.from_bytes(hashlib.blake2b(line.encode(), digest_size=16).digest(), "big")
        self.rows += 1

    def hexdigest(self) -> str:
        return f"{self.acc:032x}"


@asynccontextmanager
async def _snapshot(storage: StorageBase) -> AsyncIterator[Any]:
    """One consistent read of the whole source: a repeatable-read transaction, or a SQLite read txn."""
    if storage.is_postgres:
        async with (
            storage._pool.acquire() as conn,
            conn.transaction(isolation="repeatable_read", readonly=True),
        ):
            yield conn
        return
    reader = await storage.open_reader()
    try:
        await reader.execute("BEGIN")
        yield reader
        await reader.execute("COMMIT")
    finally:
        await reader.close()


async def _batches(
    storage: StorageBase, conn: Any, table: str
) -> AsyncIterator[tuple[list[str], list[tuple[Any, ...]]]]:
    # Table names come from the database's own catalogue, never from a person.
    sql = f"SELECT * FROM {table}"
    if storage.is_postgres:
        batch: list[tuple[Any, ...]] = []
        columns: list[str] = []
        async for record in conn.cursor(sql, prefetch=BATCH):
            columns = columns or list(record.keys())
            batch.append(tuple(record.values()))
            if len(batch) >= BATCH:
                yield columns, batch
                batch = []
        if batch:
            yield columns, batch
        return
    async with conn.execute(sql) as cur:
        columns = [d[0] for d in cur.description]
        while rows := await cur.fetchmany(BATCH):
            yield columns, [tuple(r) for r in rows]


async def _insert(
    target: StorageBase, tx: Any, table: str, columns: list[str], rows: list[tuple[Any, ...]]
) -> None:
    if isinstance(tx, PgTx):
        await tx._conn.copy_records_to_table(table, records=rows, columns=columns)
        return
    marks = ", ".join("?" for _ in columns)
    await target.db.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)


async def _target_digest(target: StorageBase, table: str) -> _Digest:
    digest = _Digest()
    async with _snapshot(target) as conn:
        async for columns, rows in _batches(target, conn, table):
            for row in rows:
                digest.add(columns, row)
    return digest


async def copy_database(source: StorageBase, target: StorageBase, *, force: bool) -> list[TableCopy]:
    """Copy every table; refuses a target holding any row unless ``force`` (then replaces its rows)."""
    if await source.schema_version() != await target.schema_version():
        raise StorageError(
            "source and target have different schema versions; run `careerbot db migrate` on both"
        )
    names = await tables(source)
    missing = set(names) - set(await tables(target))
    if missing:
        raise StorageError(f"the target lacks tables {sorted(missing)}: is it the same careerbot version?")
    filled = [t for t in names if (await target._one(f"SELECT count(*) AS n FROM {t}") or {"n": 0})["n"]]
    if filled and not force:
        raise StorageError(
            f"{target.where} already holds data (in {', '.join(filled)}); pass --force to replace it"
        )
    copied: dict[str, _Digest] = {}
    async with _snapshot(source) as conn, target._tx() as tx:
        for table in reversed(names):
            await tx.execute(f"DELETE FROM {table}")
        for table in names:
            digest = copied.setdefault(table, _Digest())
            async for columns, rows in _batches(source, conn, table):
                for row in rows:
                    digest.add(columns, row)
                await _insert(target, tx, table, columns, rows)
        await rebuild(tx, target.dialect.name)
        if isinstance(tx, PgTx):
            # Rows came with their ids: move each identity past the largest, or the next insert collides.
            for r in await tx.execute_fetchall(
                "SELECT table_name, column_name FROM information_schema.columns"
                " WHERE table_schema = current_schema() AND is_identity = 'YES'"
            ):
                table, column = r["table_name"], r["column_name"]
                await tx.execute_fetchall(
                    f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'),"
                    f" coalesce(max({column}), 0) + 1, false) FROM {table}"
                )
    report = []
    for table in names:
        after = await _target_digest(target, table)
        before = copied[table]
        if (after.rows, after.hexdigest()) != (before.rows, before.hexdigest()):
            raise StorageError(
                f"copy check failed for {table}: {before.rows} rows read, {after.rows} found in the target"
                " (or their contents differ)"
            )
        report.append(TableCopy(table, after.rows, after.hexdigest()))
    return report
