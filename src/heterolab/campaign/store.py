"""Embedded SQLite store of campaign results, keyed by a content hash of each step's inputs.

The key covers the step type, its options, the SHA-256 of every input file, the values of the
quantities it uses from other steps and the heterolab version; an unchanged step is not
recomputed. Writes are transactional, so an interrupted run never leaves a half-written result.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from os import PathLike
from pathlib import Path
from typing import Any

from heterolab.errors import FormatError
from heterolab.result import Result

__all__ = ["ResultStore", "cache_key"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS results (
    cache_key   TEXT PRIMARY KEY,
    step_id     TEXT NOT NULL,
    kind        TEXT NOT NULL,
    result_json TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS results_step ON results(step_id);
"""


def cache_key(payload: dict[str, Any]) -> str:
    """SHA-256 of the canonical JSON of ``payload`` (sorted keys)."""
    text = json.dumps(payload, sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class ResultStore:
    """Results of campaign steps in an SQLite file.

    Parameters
    ----------
    path
        Database file; created if missing.
    """

    def __init__(self, path: str | PathLike[str]) -> None:
        self.path = Path(path)
        try:
            self._con = sqlite3.connect(self.path)
            self._con.executescript(_SCHEMA)
        except sqlite3.DatabaseError as exc:
            raise FormatError(self.path, f"not a heterolab result store: {exc}") from None

    def get(self, key: str) -> Result | None:
        """The stored result for ``key``, or None."""
        row = self._con.execute(
            "SELECT result_json FROM results WHERE cache_key = ?", (key,)
        ).fetchone()
        return None if row is None else Result.from_dict(json.loads(row[0]))

    def put(self, key: str, step_id: str, result: Result) -> None:
        """Store ``result`` under ``key`` (replacing an identical key), in one transaction."""
        with self._con:
            self._con.execute(
                "INSERT OR REPLACE INTO results (cache_key, step_id, kind, result_json) VALUES (?, ?, ?, ?)",
                (key, step_id, result.kind, result.to_json()),
            )

    def latest(self, step_id: str) -> Result | None:
        """The most recently stored result of ``step_id``."""
        row = self._con.execute(
            "SELECT result_json FROM results WHERE step_id = ? ORDER BY rowid DESC LIMIT 1",
            (step_id,),
        ).fetchone()
        return None if row is None else Result.from_dict(json.loads(row[0]))

    def close(self) -> None:
        """Close the database connection."""
        self._con.close()
