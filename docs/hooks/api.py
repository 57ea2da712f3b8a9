"""mkdocs hook: API reference pages generated from each package's public API.

For every package listed in :data:`PACKAGES`, the names in its ``__all__`` (what
``from heterolab.<package> import name`` gives) are grouped by the module that defines them
and rendered by mkdocstrings; the pages are added to the navigation under "API reference".
A function added to a package's public API therefore appears in the reference without
anyone editing a page, and a public name without a docstring fails the strict build.
"""

from __future__ import annotations

import importlib
import inspect
from collections import defaultdict

from mkdocs.structure.files import File, Files

#: (package, page title, one-line description)
PACKAGES: tuple[tuple[str, str, str], ...] = (
    (
        "heterolab.kinetics",
        "Kinetics (TRPL, FLIM, TA)",
        "Decay, FLIM and transient-absorption fits.",
    ),
    ("heterolab.spectroscopy", "Steady-state spectroscopy", "Peaks, edges, PLQY, transfer, bands."),
    ("heterolab.calculators", "Calculators", "Front ends of the physics models."),
    ("heterolab.thesis", "Thesis tables", "Tables 3-1, 3-2 and 4-1 with their checks."),
    ("heterolab.structure.xrd", "Powder XRD", "Peaks, phases, lattice, strain, sizes."),
    ("heterolab.structure.giwaxs", "GIWAXS", "Detector images, q-maps, orientation."),
    ("heterolab.structure.xps", "XPS and UPS", "Peak fitting, charge correction, quantification."),
    ("heterolab.structure.microscopy", "Electron microscopy", "FFT, spacings, particles, GPA."),
    ("heterolab.structure.imaging", "Image quality", "MTF, contrast, ranking."),
    ("heterolab.atomistic", "Atomistic", "Structures, ML screening, DFT inputs and outputs."),
)
#: Single modules documented whole.
MODULES: tuple[tuple[str, str], ...] = (
    ("heterolab.parameters", "Parameters"),
    ("heterolab.arrays", "Labelled arrays"),
    ("heterolab.progress", "Progress"),
    ("heterolab.log", "Logging"),
)


def _page_name(module: str) -> str:
    return "api/" + module.removeprefix("heterolab.").replace(".", "_") + ".md"


def _members_by_module(package: str) -> dict[str, list[str]]:
    """Public callables and classes of ``package``, grouped by their defining module."""
    pkg = importlib.import_module(package)
    groups: dict[str, list[str]] = defaultdict(list)
    for name in getattr(pkg, "__all__", ()):
        obj = getattr(pkg, name)
        if not (inspect.isfunction(obj) or inspect.isclass(obj)):
            continue  # constants are documented in their module's docstring
        groups[obj.__module__].append(obj.__name__)
    return dict(sorted(groups.items()))


def _package_page(package: str, title: str, blurb: str) -> str:
    parts = [f"# {title}", f"`{package}` — {blurb}"]
    for module, names in _members_by_module(package).items():
        members = ", ".join(names)
        parts.append(f"::: {module}\n    options:\n      members: [{members}]")
    return "\n\n".join(parts) + "\n"


def on_config(config: dict) -> dict:
    """Put the generated pages under "API reference" in the navigation."""
    for entry in config["nav"]:
        if isinstance(entry, dict) and "API reference" in entry:
            entry["API reference"] += [{t: _page_name(p)} for p, t, _ in PACKAGES]
            entry["API reference"] += [{t: _page_name(m)} for m, t in MODULES]
    return config


def on_files(files: Files, config: object) -> Files:
    """Add one generated page per package and module."""
    for package, title, blurb in PACKAGES:
        page = _package_page(package, title, blurb)
        files.append(File.generated(config, _page_name(package), content=page))
    for module, title in MODULES:
        page = f"# {title}\n\n::: {module}\n"
        files.append(File.generated(config, _page_name(module), content=page))
    return files
