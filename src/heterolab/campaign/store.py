"""Embedded SQLite store of a campaign: a schema people can query with plain SQL.

Tables (schema version :data:`SCHEMA_VERSION`, in ``PRAGMA user_version``)::

    runs          id, started, finished, heterolab_version, host, pid, campaign, status,
                  computed, cached, failed
    samples       name, material, synthesis (JSON), metadata (JSON)
    measurements  id, sample, technique, path, sha256, instrument (JSON)
    step_results  cache_key, step_id, type, sample, status, message, figure, run_id,
                  inputs (JSON: name -> SHA-256), result_json
    quantities    cache_key, step_id, sample, grp, name, value, stderr, unit, status
    current       step_id, cache_key          -- the result each step of the campaign shows now
    failures      run_id, step_id, message
    series        id, quantity, x, steps (JSON)
    current_quantities (view): quantities of the current results, e.g.
        SELECT name, value, stderr, unit FROM current_quantities
        WHERE sample = 'PbS-1to3' AND name LIKE 'tau%';

The file is opened in WAL mode and every write is one transaction, so a run killed at any
moment (SIGKILL) leaves a consistent store; the cache key covers everything a result depends
on (:func:`cache_key`).
"""

from __future__ import annotations

import hashlib
import json
import math
import sqlite3
from collections.abc import Iterable
from os import PathLike
from pathlib import Path
from typing import Any

from heterolab.errors import FormatError
from heterolab.result import Result

__all__ = ["SCHEMA_VERSION", "ResultStore", "cache_key"]

SCHEMA_VERSION = 2

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT, started TEXT NOT NULL, finished TEXT,
    heterolab_version TEXT NOT NULL, host TEXT, pid INTEGER, campaign TEXT,
    status TEXT NOT NULL DEFAULT 'running', computed INTEGER, cached INTEGER, failed INTEGER);
CREATE TABLE IF NOT EXISTS samples (
    name TEXT PRIMARY KEY, material TEXT, synthesis TEXT, metadata TEXT);
CREATE TABLE IF NOT EXISTS measurements (
    id TEXT NOT NULL, sample TEXT, technique TEXT, path TEXT NOT NULL, sha256 TEXT,
    instrument TEXT, PRIMARY KEY (id, path));
CREATE TABLE IF NOT EXISTS step_results (
    cache_key TEXT PRIMARY KEY, step_id TEXT NOT NULL, type TEXT NOT NULL, sample TEXT,
    status TEXT NOT NULL, message TEXT, figure TEXT, run_id INTEGER REFERENCES runs(id),
    inputs TEXT, result_json TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS step_results_step ON step_results(step_id);
CREATE TABLE IF NOT EXISTS quantities (
    cache_key TEXT NOT NULL REFERENCES step_results(cache_key) ON DELETE CASCADE,
    step_id TEXT NOT NULL, sample TEXT, grp TEXT NOT NULL, name TEXT NOT NULL,
    value REAL, stderr REAL, unit TEXT, status TEXT, PRIMARY KEY (cache_key, name));
CREATE INDEX IF NOT EXISTS quantities_name ON quantities(name, sample);
CREATE TABLE IF NOT EXISTS current (step_id TEXT PRIMARY KEY, cache_key TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS failures (
    run_id INTEGER REFERENCES runs(id), step_id TEXT NOT NULL, message TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS series (id TEXT PRIMARY KEY, quantity TEXT, x TEXT, steps TEXT);
CREATE VIEW IF NOT EXISTS current_quantities AS
    SELECT q.step_id, q.sample, q.grp, q.name, q.value, q.stderr, q.unit, q.status
    FROM quantities q JOIN current c ON c.cache_key = q.cache_key;
"""


def cache_key(payload: dict[str, Any]) -> str:
    """SHA-256 of the canonical JSON of ``payload`` (sorted keys)."""
    text = json.dumps(payload, sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _num(x: float | None) -> float | None:
    return None if x is None or not math.isfinite(float(x)) else float(x)


class ResultStore:
    """A campaign's result store (one SQLite file).

    Parameters
    ----------
    path
        Database file; created if missing, migrated if written by an older heterolab.
    readonly
        Open for reading only (``heterolab status`` / ``results``).

    Raises
    ------
    FormatError
        If the file is not an SQLite database or was written by a newer heterolab.
    """

    def __init__(self, path: str | PathLike[str], *, readonly: bool = False) -> None:
        self.path = Path(path)
        try:
            if readonly:
                self._con = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=30)
                version = self._version()
                self._check_version(version)
                if version < SCHEMA_VERSION:
                    self._con.close()
                    raise FormatError(
                        self.path,
                        f"result store schema {version} was written by an older heterolab; "
                        "run the campaign once (heterolab run) to migrate it",
                    )
                return
            self._con = sqlite3.connect(self.path, timeout=30)
            self._con.execute("PRAGMA journal_mode=WAL")
            self._con.execute("PRAGMA synchronous=NORMAL")
            self._con.execute("PRAGMA foreign_keys=ON")
            self._migrate()
        except sqlite3.DatabaseError as exc:
            raise FormatError(self.path, f"not a heterolab result store: {exc}") from None

    # ------------------------------------------------------------------ schema
    def _version(self) -> int:
        return int(self._con.execute("PRAGMA user_version").fetchone()[0])

    def _check_version(self, version: int) -> None:
        if version > SCHEMA_VERSION:
            raise FormatError(
                self.path,
                f"result store schema {version} is newer than this heterolab understands "
                f"({SCHEMA_VERSION}); upgrade heterolab",
            )

    def _migrate(self) -> None:
        version = self._version()
        self._check_version(version)
        tables = {r[0] for r in self._con.execute("SELECT name FROM sqlite_master")}
        self._con.executescript("BEGIN;" + _SCHEMA + "COMMIT;")
        if version < 2 and "results" in tables:
            self._migrate_v1()
        if version < SCHEMA_VERSION:
            with self._con:
                self._con.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def _migrate_v1(self) -> None:
        """Schema 1 kept each result as a JSON blob in ``results``: split it into rows."""
        rows = self._con.execute("SELECT cache_key, step_id, kind, result_json FROM results")
        with self._con:
            for key, step_id, kind, blob in rows.fetchall():
                result = Result.from_dict(json.loads(blob))
                self._insert(key, step_id, kind, "", result, None, None, {})
            self._con.execute("DROP TABLE results")

    # ------------------------------------------------------------------ runs
    def begin_run(self, started: str, version: str, host: str, pid: int, campaign: str) -> int:
        """Record the start of a run (earlier runs still marked running were killed: the
        caller holds the folder's lock); returns its id."""
        with self._con:
            self._con.execute("UPDATE runs SET status = 'interrupted' WHERE status = 'running'")
            cur = self._con.execute(
                "INSERT INTO runs (started, heterolab_version, host, pid, campaign) "
                "VALUES (?, ?, ?, ?, ?)",
                (started, version, host, pid, campaign),
            )
        return int(cur.lastrowid or 0)

    def end_run(self, run_id: int, finished: str, computed: int, cached: int, failed: int) -> None:
        """Record the end of a run and its counts."""
        with self._con:
            self._con.execute(
                "UPDATE runs SET finished = ?, status = 'finished', computed = ?, cached = ?, "
                "failed = ? WHERE id = ?",
                (finished, computed, cached, failed, run_id),
            )

    def set_campaign(
        self,
        samples: Iterable[tuple[str, str, dict[str, Any], dict[str, Any]]],
        measurements: Iterable[tuple[str, str, str, str, str, dict[str, Any]]],
        series: Iterable[tuple[str, str, str, list[str]]],
    ) -> None:
        """Replace the samples, measurements and series tables with the campaign's."""
        with self._con:
            for table in ("samples", "measurements", "series"):
                self._con.execute(f"DELETE FROM {table}")
            self._con.executemany(
                "INSERT INTO samples VALUES (?, ?, ?, ?)",
                [(n, m, json.dumps(s), json.dumps(md)) for n, m, s, md in samples],
            )
            self._con.executemany(
                "INSERT OR REPLACE INTO measurements VALUES (?, ?, ?, ?, ?, ?)",
                [(i, s, t, p, h, json.dumps(ins)) for i, s, t, p, h, ins in measurements],
            )
            self._con.executemany(
                "INSERT INTO series VALUES (?, ?, ?, ?)",
                [(i, q, x, json.dumps(st)) for i, q, x, st in series],
            )

    # ------------------------------------------------------------------ results
    def get(self, key: str) -> tuple[Result, str | None] | None:
        """The stored (not failed) result for ``key`` and its figure name, or None."""
        row = self._con.execute(
            "SELECT result_json, figure FROM step_results WHERE cache_key = ? "
            "AND status != 'failed'",
            (key,),
        ).fetchone()
        return None if row is None else (Result.from_dict(json.loads(row[0])), row[1])

    def _insert(
        self,
        key: str,
        step_id: str,
        stype: str,
        sample: str,
        result: Result,
        figure: str | None,
        run_id: int | None,
        inputs: dict[str, str],
    ) -> None:
        self._con.execute("DELETE FROM quantities WHERE cache_key = ?", (key,))
        self._con.execute(
            "INSERT OR REPLACE INTO step_results VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                key,
                step_id,
                stype,
                sample,
                result.status,
                result.message,
                figure,
                run_id,
                json.dumps(inputs, sort_keys=True),
                result.to_json(),
            ),
        )
        rows = [
            (key, step_id, sample, grp, name, _num(q.value), _num(q.stderr), q.unit, result.status)
            for grp, group in (("parameter", result.parameters), ("derived", result.derived))
            for name, q in group.items()
        ]
        self._con.executemany(
            "INSERT OR REPLACE INTO quantities VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows
        )

    def put(
        self,
        key: str,
        step_id: str,
        stype: str,
        result: Result,
        *,
        sample: str = "",
        figure: str | None = None,
        run_id: int | None = None,
        inputs: dict[str, str] | None = None,
    ) -> None:
        """Store a step's result and make it the step's current one, in one transaction; a
        failed result is also logged in ``failures`` (and never served from the cache)."""
        with self._con:
            self._insert(key, step_id, stype, sample, result, figure, run_id, inputs or {})
            self._con.execute("INSERT OR REPLACE INTO current VALUES (?, ?)", (step_id, key))
            if result.status == "failed":
                self._con.execute(
                    "INSERT INTO failures VALUES (?, ?, ?)", (run_id, step_id, result.message)
                )

    def set_current(self, step_id: str, key: str, sample: str = "") -> None:
        """Point ``step_id`` at an already stored result (a cache hit); the sample it belongs
        to is the campaign's current one (not part of the cache key)."""
        with self._con:
            self._con.execute("INSERT OR REPLACE INTO current VALUES (?, ?)", (step_id, key))
            self._con.execute(
                "UPDATE step_results SET sample = ? WHERE cache_key = ? AND sample IS NOT ?",
                (sample, key, sample),
            )
            self._con.execute(
                "UPDATE quantities SET sample = ? WHERE cache_key = ? AND sample IS NOT ?",
                (sample, key, sample),
            )

    def prune_current(self, step_ids: Iterable[str]) -> None:
        """Forget current results of steps no longer in the campaign."""
        keep = set(step_ids)
        with self._con:
            for (sid,) in self._con.execute("SELECT step_id FROM current").fetchall():
                if sid not in keep:
                    self._con.execute("DELETE FROM current WHERE step_id = ?", (sid,))

    def current(self) -> dict[str, tuple[str, str]]:
        """``{step_id: (cache_key, status)}`` of the current results."""
        rows = self._con.execute(
            "SELECT c.step_id, c.cache_key, r.status FROM current c "
            "JOIN step_results r ON r.cache_key = c.cache_key"
        )
        return {sid: (key, status) for sid, key, status in rows}

    def latest(self, step_id: str) -> Result | None:
        """The current result of ``step_id`` (None if it never ran)."""
        row = self._con.execute(
            "SELECT r.result_json FROM current c JOIN step_results r "
            "ON r.cache_key = c.cache_key WHERE c.step_id = ?",
            (step_id,),
        ).fetchone()
        return None if row is None else Result.from_dict(json.loads(row[0]))

    def query(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        """Rows of a read-only SQL query."""
        return list(self._con.execute(sql, params))

    def integrity(self) -> str:
        """``PRAGMA integrity_check`` ("ok" for a sound file)."""
        return str(self._con.execute("PRAGMA integrity_check").fetchone()[0])

    def close(self) -> None:
        """Close the database connection."""
        self._con.close()
