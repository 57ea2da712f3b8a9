"""Reading a campaign's results as tables: pandas DataFrames and xarray Datasets.

Example
-------
>>> from heterolab.campaign import open_results            # doctest: +SKIP
>>> res = open_results("heterolab-results")                 # doctest: +SKIP
>>> res.quantities(sample="PbS-1to3", name="tau_1")         # doctest: +SKIP
>>> res.series("tau-vs-ratio")                              # doctest: +SKIP
>>> res.to_xarray("tau_1")                                  # doctest: +SKIP

``open_results`` accepts the output folder, the ``heterolab.sqlite`` file or the campaign file
(its default output folder). The store is opened read-only.
"""

from __future__ import annotations

import json
from os import PathLike
from pathlib import Path
from typing import TYPE_CHECKING, Any

from heterolab.campaign.store import ResultStore
from heterolab.errors import ParameterError
from heterolab.result import Result

if TYPE_CHECKING:
    import pandas as pd
    import xarray as xr

__all__ = ["CampaignResults", "open_results"]

_QUANTITY_COLUMNS = ["step_id", "sample", "grp", "name", "value", "stderr", "unit", "status"]


class CampaignResults:
    """Tables of a campaign's result store (read-only)."""

    def __init__(self, store_path: str | PathLike[str]) -> None:
        self.path = Path(store_path)
        self._store = ResultStore(self.path, readonly=True)

    def close(self) -> None:
        """Close the store."""
        self._store.close()

    def __enter__(self) -> CampaignResults:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _frame(self, sql: str, columns: list[str], params: tuple[Any, ...] = ()) -> pd.DataFrame:
        import pandas as pd

        return pd.DataFrame(self._store.query(sql, params), columns=columns)

    def quantities(
        self, *, step: str | None = None, sample: str | None = None, name: str | None = None
    ) -> pd.DataFrame:
        """Current quantities, one row each: step_id, sample, grp, name, value, stderr, unit,
        status; filtered by step, sample and/or quantity name (SQL ``LIKE`` patterns allowed)."""
        where, params = [], []
        for col, val in (("step_id", step), ("sample", sample), ("name", name)):
            if val is not None:
                where.append(f"{col} LIKE ?")
                params.append(val)
        sql = f"SELECT {', '.join(_QUANTITY_COLUMNS)} FROM current_quantities"
        if where:
            sql += " WHERE " + " AND ".join(where)
        return self._frame(
            sql + " ORDER BY step_id, grp DESC, rowid", _QUANTITY_COLUMNS, tuple(params)
        )

    def steps(self) -> pd.DataFrame:
        """Current result of each step: step_id, type, sample, status, message, figure."""
        cols = ["step_id", "type", "sample", "status", "message", "figure"]
        return self._frame(
            "SELECT r.step_id, r.type, r.sample, r.status, r.message, r.figure FROM current c "
            "JOIN step_results r ON r.cache_key = c.cache_key ORDER BY r.step_id",
            cols,
        )

    def results(self) -> dict[str, tuple[str, Result]]:
        """Current result of every step with its sample: ``{step_id: (sample, Result)}``."""
        rows = self._store.query(
            "SELECT r.step_id, r.sample, r.result_json FROM current c JOIN step_results r "
            "ON r.cache_key = c.cache_key ORDER BY r.rowid"
        )
        return {
            sid: (sample or "", Result.from_dict(json.loads(blob))) for sid, sample, blob in rows
        }

    def samples(self) -> pd.DataFrame:
        """Samples with their synthesis parameters and metadata flattened into columns."""
        import pandas as pd

        rows = []
        for name, material, synthesis, metadata in self._store.query("SELECT * FROM samples"):
            rows.append(
                {
                    "sample": name,
                    "material": material,
                    **json.loads(metadata),
                    **json.loads(synthesis),
                }
            )
        return pd.DataFrame(rows)

    def measurements(self) -> pd.DataFrame:
        """Measured files: id, sample, technique, path, sha256."""
        cols = ["id", "sample", "technique", "path", "sha256"]
        return self._frame(f"SELECT {', '.join(cols)} FROM measurements ORDER BY id, path", cols)

    def runs(self) -> pd.DataFrame:
        """Every run: id, started, finished, heterolab_version, host, status, counts."""
        cols = [
            "id",
            "started",
            "finished",
            "heterolab_version",
            "host",
            "status",
            "computed",
            "cached",
            "failed",
        ]
        return self._frame(f"SELECT {', '.join(cols)} FROM runs ORDER BY id", cols)

    def failures(self) -> pd.DataFrame:
        """Failed steps of every run with their messages."""
        return self._frame(
            "SELECT run_id, step_id, message FROM failures ORDER BY run_id, step_id",
            ["run_id", "step_id", "message"],
        )

    def series(self, series_id: str) -> pd.DataFrame:
        """A series table: sample, x (the sample parameter), step_id, value, stderr, unit."""
        row = self._store.query("SELECT quantity, x, steps FROM series WHERE id = ?", (series_id,))
        if not row:
            known = [r[0] for r in self._store.query("SELECT id FROM series")]
            raise ParameterError(f"no series {series_id!r}; known: {', '.join(known) or 'none'}")
        quantity, x, steps = row[0][0], row[0][1], json.loads(row[0][2])
        q = self.quantities(name=quantity)
        q = q[q["step_id"].isin(steps)]  # concrete ids, stored by the run
        samples = self.samples()
        if x not in samples:
            samples[x] = None
        merged = q.merge(samples[["sample", x]], on="sample", how="inner").rename(columns={x: "x"})
        cols = ["sample", "x", "step_id", "value", "stderr", "unit", "status"]
        return merged[cols].sort_values(["x", "sample"]).reset_index(drop=True)

    def to_xarray(self, name: str) -> xr.Dataset:
        """One quantity over steps as a Dataset (``value``, ``stderr``; ``sample`` and ``unit``
        coordinates), e.g. every ``tau_1`` of the campaign."""
        import xarray as xr

        q = self.quantities(name=name)
        units = sorted(set(q["unit"]))
        ds = xr.Dataset(
            {
                "value": ("step", q["value"].to_numpy(dtype=float)),
                "stderr": ("step", q["stderr"].to_numpy(dtype=float)),
            },
            coords={"step": q["step_id"].to_numpy(), "sample": ("step", q["sample"].to_numpy())},
        )
        ds["value"].attrs["units"] = units[0] if len(units) == 1 else ""
        ds.attrs["quantity"] = name
        return ds


def open_results(path: str | PathLike[str]) -> CampaignResults:
    """Open a campaign's result store: an output folder, its ``heterolab.sqlite``, or a
    ``campaign.toml`` (its default output folder ``heterolab-results`` beside it).

    Raises
    ------
    ParameterError
        If no store is found there.
    """
    from heterolab.campaign.runner import STORE, default_outdir

    p = Path(path)
    if p.is_file() and p.suffix == ".toml":
        p = default_outdir(p)
    if p.is_dir():
        p = p / STORE
    if not p.is_file():
        raise ParameterError(f"no heterolab result store at {p}; run the campaign first")
    return CampaignResults(p)
