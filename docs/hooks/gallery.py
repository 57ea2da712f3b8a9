"""mkdocs hook: run every example in ``docs/gallery/*.py`` and publish the gallery page.

Each example runs in a fresh Python process with warnings as errors and ``GALLERY_OUT``
pointing at a temporary folder where it saves its figures; the page shows the example's
docstring, its code, what it printed and its figures. An example that fails stops the build
(``make docs``), so a broken example cannot be published.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files

PAGE = "gallery/index.md"


def _run(script: Path, out: Path) -> str:
    env = {**os.environ, "GALLERY_OUT": str(out), "MPLBACKEND": "Agg"}
    proc = subprocess.run(
        [sys.executable, "-W", "error", str(script)],
        capture_output=True,
        text=True,
        cwd=out,
        env=env,
        timeout=600,
    )
    if proc.returncode != 0:
        raise PluginError(f"gallery example {script.name} failed:\n{proc.stderr[-3000:]}")
    return proc.stdout


def _section(script: Path, stdout: str, figures: list[str]) -> str:
    source = script.read_text("utf-8")
    doc = ast.get_docstring(ast.parse(source)) or script.stem
    title, _, body = doc.partition("\n")
    code = source.split('"""', 2)[-1].strip() if source.startswith('"""') else source
    parts = [f"## {title.strip()}", body.strip(), "```python", code, "```"]
    if stdout.strip():
        parts += ["Output:", "```text", stdout.strip(), "```"]
    parts += [f"![{script.stem}]({name})" for name in figures]
    return "\n\n".join(p for p in parts if p)


def on_files(files: Files, config: object) -> Files:
    """Run the examples and add the gallery page and its figures to the site."""
    docs = Path(config["docs_dir"])  # type: ignore[index]
    scripts = sorted((docs / "gallery").glob("*.py"))
    sections = ["# Gallery", "Examples run when the documentation is built."]
    with tempfile.TemporaryDirectory() as tmp:
        for script in scripts:
            out = Path(tmp) / script.stem
            out.mkdir()
            stdout = _run(script, out)
            names = []
            for fig in sorted(out.glob("*.png")):
                names.append(fig.name)
                files.append(
                    File.generated(config, f"gallery/{fig.name}", content=fig.read_bytes())
                )
            sections.append(_section(script, stdout, names))
    files.append(File.generated(config, PAGE, content="\n\n".join(sections) + "\n"))
    return files
