"""Thread limits for the fitting loops: the one ``single_threaded_blas`` of heterolab.

Fits here work on small or tall-and-thin matrices (stacked QR of n_t x n_species blocks, an
optimiser's SVD of an N x n_free Jacobian, per-pixel decays); threaded OpenBLAS only adds
synchronisation. On a loaded 2-core machine it made the Hippius TA fit 2.2x slower (16.6 s
vs 7.4 s) and a 335 x 346 residual SVD 50x slower. Without threadpoolctl nothing changes
(the fit is correct either way).
"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from typing import Any

__all__ = ["single_threaded_blas"]

_CONTROLLER: list[Any] = []


def single_threaded_blas() -> AbstractContextManager[Any]:
    """Context manager limiting BLAS/LAPACK to one thread (threadpoolctl, when installed)."""
    if not _CONTROLLER:
        try:
            from threadpoolctl import ThreadpoolController
        except ImportError:  # optional at run time
            _CONTROLLER.append(None)
        else:
            _CONTROLLER.append(ThreadpoolController())
    ctl = _CONTROLLER[0]
    return nullcontext() if ctl is None else ctl.limit(limits=1, user_api="blas")
