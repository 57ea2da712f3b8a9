"""The one figure style of heterolab: the shipped style file, journal-column sizes and fonts.

Every heterolab figure is built inside :func:`style_context`, which applies
``heterolab.mplstyle`` (8 pt text, 300 dpi rasters, TrueType fonts in PDF, paths in SVG, a
colour-blind-safe palette) and a font list with a CJK-capable fallback found on the machine,
so Japanese or Chinese sample names render as text. The user's global ``rcParams`` and
backend are never changed (nothing here calls ``matplotlib.use``).

Sizes follow the common journal layouts: a single column is 85 mm (3.35 in), one and a half
columns 120 mm, a double column 178 mm (7.0 in) wide (ACS, RSC, Elsevier author guides).
"""

from __future__ import annotations

import functools
import re
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import matplotlib as mpl
import matplotlib.style

__all__ = [
    "COLUMN_WIDTHS",
    "STYLE_FILE",
    "FontWarning",
    "cjk_font",
    "contains_cjk",
    "figure_size",
    "font_families",
    "style_context",
]

STYLE_FILE = Path(__file__).with_name("heterolab.mplstyle")

#: Figure widths in inches by journal layout.
COLUMN_WIDTHS = {"single": 3.35, "onehalf": 4.72, "double": 7.0}

# Families that cover Japanese (kana and kanji) on Linux, macOS and Windows, in preference order.
_CJK_CANDIDATES = (
    "Noto Sans CJK JP",
    "Noto Sans JP",
    "Source Han Sans JP",
    "IPAexGothic",
    "IPAGothic",
    "IPAPGothic",
    "TakaoGothic",
    "VL Gothic",
    "Hiragino Sans",
    "Yu Gothic",
    "MS Gothic",
    "Noto Sans CJK SC",
    "WenQuanYi Zen Hei",
    "Droid Sans Fallback",
)
# Hiragana/katakana, CJK ideographs (with extension A), Hangul, full-width forms.
_CJK_RE = re.compile("[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uff00-\uffef]")
_PROBE = ("あ", "漢")


class FontWarning(UserWarning):
    """A figure holds characters that no installed font can draw."""


def contains_cjk(text: str) -> bool:
    """True when ``text`` holds Japanese, Chinese or Korean characters."""
    return bool(_CJK_RE.search(text))


def _covers_cjk(fname: str) -> bool:
    from matplotlib.ft2font import FT2Font

    try:
        charmap = FT2Font(fname).get_charmap()
    except (OSError, RuntimeError, ValueError):
        return False
    return all(ord(c) in charmap for c in _PROBE)


@functools.lru_cache(maxsize=1)
def cjk_font() -> str | None:
    """Family name of an installed font that draws Japanese text, or None when there is none.

    Known CJK families are tried first (Noto Sans CJK, IPA, Takao, Hiragino, Yu Gothic ...),
    then any installed font whose character map holds kana and kanji. The answer is cached.
    """
    from matplotlib import font_manager

    entries = font_manager.fontManager.ttflist
    by_name: dict[str, list[str]] = {}
    for e in entries:
        by_name.setdefault(e.name, []).append(e.fname)
    for name in _CJK_CANDIDATES:
        if any(_covers_cjk(f) for f in by_name.get(name, [])):
            return name
    for name, files in sorted(by_name.items()):
        if any(_covers_cjk(f) for f in files):
            return name
    return None


def font_families() -> list[str]:
    """``font.family`` list: DejaVu Sans (ships with matplotlib), then the CJK fallback."""
    cjk = cjk_font()
    return ["DejaVu Sans", cjk] if cjk else ["DejaVu Sans"]


def figure_size(
    width: str | float = "single", height: float | None = None, aspect: float = 0.75
) -> tuple[float, float]:
    """``(width, height)`` in inches.

    Parameters
    ----------
    width
        ``"single"``, ``"onehalf"``, ``"double"`` (see :data:`COLUMN_WIDTHS`) or inches.
    height
        Inches; default ``aspect * width``.
    aspect
        Height over width when ``height`` is not given.
    """
    from heterolab.errors import ParameterError

    if isinstance(width, str):
        if width not in COLUMN_WIDTHS:
            raise ParameterError(
                f"figure width {width!r} is not one of {', '.join(COLUMN_WIDTHS)} (or inches)"
            )
        w = COLUMN_WIDTHS[width]
    else:
        w = float(width)
    return (w, float(height) if height is not None else aspect * w)


@contextmanager
def style_context() -> Iterator[None]:
    """Apply the heterolab style (and CJK font fallback) for the duration of the block.

    Figures, axes and texts created inside keep the style; ``rcParams`` are restored after.
    The backend is never touched.
    """
    with mpl.style.context([STYLE_FILE, {"font.family": font_families()}]):
        yield


def warn_missing_glyphs(texts: list[str]) -> bool:
    """Warn once (:class:`FontWarning`) when ``texts`` hold CJK characters but no installed font
    draws them; return True when so. The warning names the fix instead of drawing boxes
    silently."""
    if cjk_font() is not None or not any(contains_cjk(t) for t in texts):
        return False
    sample = next(t for t in texts if contains_cjk(t))
    warnings.warn(
        FontWarning(
            f"no installed font can draw Japanese/Chinese text such as {sample!r}; install one "
            "(Debian/Ubuntu: apt-get install fonts-noto-cjk or fonts-ipafont-gothic; "
            "macOS and Windows ship one) and clear matplotlib's font cache"
        ),
        stacklevel=3,
    )
    return True
