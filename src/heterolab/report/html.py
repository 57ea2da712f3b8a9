"""The campaign report: a static HTML site that opens from disk with no server.

Pages::

    index.html                overview: counts, every step with its status, links
    samples/SLUG.html         one per sample: each analysis with quantities, figure, curves
    techniques/KEY.html       one per technique: the series table and series plots
    problems.html             every failed or suspect result and every warning
    provenance.html           inputs with SHA-256, settings, versions, cache use
    assets/                   style.css and plotly.min.js (interactive plots, no network)
    figures/                  the campaign's PNG figures

Every piece of user text (sample names, labels, messages) is HTML-escaped; the JSON of the
interactive plots is escaped for ``<script>``. Table cells carry the stored numbers at full
precision in ``data-value``/``data-stderr`` attributes.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
import shutil
from dataclasses import dataclass, field
from importlib import resources
from os import PathLike
from pathlib import Path
from string import Template
from typing import Any

from heterolab import __version__
from heterolab.errors import ParameterError
from heterolab.report.html_plotly import (
    curve_figure,
    plotly_js_path,
    script_json,
    series_figure,
    series_table_figure,
)
from heterolab.report.html_result import quantity_cells
from heterolab.report.html_source import TECHNIQUES, CampaignReport, StepRecord
from heterolab.result import Quantity, Result

__all__ = ["MARKER", "Site", "build_site"]

MARKER = ".heterolab-report"


@dataclass
class Site:
    """What :func:`build_site` wrote."""

    root: Path
    pages: list[Path] = field(default_factory=list)
    interactive: bool = False

    @property
    def index(self) -> Path:
        """Path of index.html."""
        return self.root / "index.html"


def _e(s: Any) -> str:
    return html.escape(str(s), quote=True)


def slug(name: str) -> str:
    """File-safe, unique name for any sample or technique name (ASCII part + short hash)."""
    ascii_part = re.sub(r"[^A-Za-z0-9]+", "-", name).strip("-")[:40].lower() or "item"
    return f"{ascii_part}-{hashlib.sha1(name.encode('utf-8')).hexdigest()[:8]}"


def _technique_name(key: str) -> str:
    return TECHNIQUES.get(key, key)


def _status(status: str) -> str:
    return f'<span class="status-{_e(status)}">{_e(status)}</span>'


def _template(name: str) -> str:
    return resources.files("heterolab.report").joinpath("templates", name).read_text("utf-8")


class _Writer:
    """Writes pages of one site with shared navigation and plot scripts."""

    def __init__(self, report: CampaignReport, site: Site) -> None:
        self.report = report
        self.site = site
        self.page = Template(_template("page.html"))
        self.n_problems = sum(1 for _ in _problems(report))

    def write(self, rel: str, heading: str, body: str, plots: list[tuple[str, dict]]) -> None:
        depth = rel.count("/")
        root = "../" * depth
        head = ""
        if plots and self.site.interactive:
            head = f'<script src="{root}assets/plotly.min.js"></script>'
            calls = "\n".join(
                f"Plotly.newPlot({script_json(div)}, {script_json(spec['data'])}, "
                f"{script_json(spec['layout'])}, {script_json(spec['config'])});"
                for div, spec in plots
            )
            body += f"\n<script>\n{calls}\n</script>"
        text = self.page.substitute(
            title=_e(f"{heading} · {self.report.name}"),
            heading=_e(heading),
            body=body,
            root=root,
            head=head,
            version=_e(__version__),
            source=_e(self.report.source or "memory"),
            n_problems=self.n_problems,
        )
        path = self.site.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        self.site.pages.append(path)


def _problems(report: CampaignReport) -> list[tuple[StepRecord, str, str]]:
    """(step, status, text) for every failed/suspect result and every warning."""
    out = []
    for s in report.steps:
        if not s.result.ok:
            out.append((s, s.result.status, s.result.message or "(no message)"))
        out.extend((s, "warning", w) for w in s.result.warnings)
    return out


def _num_cell(q: Quantity) -> str:
    text, _ = quantity_cells(q)
    err = "" if q.stderr is None else repr(float(q.stderr))
    return (
        f'<td class="num" data-value="{_e(repr(float(q.value)))}" data-stderr="{_e(err)}">'
        f"{_e(text)}</td>"
    )


def _quantity_table(result: Result) -> str:
    rows = []
    for group, quantities in (("parameter", result.parameters), ("derived", result.derived)):
        for name, q in quantities.items():
            unit = "" if q.unit == "1" else q.unit
            rows.append(
                f'<tr data-name="{_e(name)}"><td>{_e(name)}</td>{_num_cell(q)}'
                f"<td>{_e(unit)}</td><td>{group}</td></tr>"
            )
    if not rows:
        return "<p>No quantities.</p>"
    return (
        '<table class="quantities"><thead><tr><th>name</th><th>value ± error</th>'
        f"<th>unit</th><th>group</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def _comparison_table(result: Result) -> str:
    """Published values next to the computed ones (``statistics["reference_comparison"]``)."""
    comp = result.statistics.get("reference_comparison")
    if not isinstance(comp, dict) or not comp:
        return ""
    rows = []
    for name, c in comp.items():
        if not isinstance(c, dict):
            continue
        computed = Quantity(_float(c.get("computed")), _opt_float(c.get("stderr")), "1")
        published = Quantity(
            _float(c.get("published")), _opt_float(c.get("published_uncertainty")), "1"
        )
        z = _float(c.get("deviation_sigma"))
        verdict = str(c.get("verdict", ""))
        cls = "status-ok" if verdict == "ok" else "status-suspect" if verdict else ""
        rows.append(
            f'<tr><td>{_e(name)}</td><td class="num">{_e(computed)}</td>'
            f'<td class="num">{_e(published)}</td><td class="num">{z:+.2f}</td>'
            f'<td class="{cls}">{_e(verdict)}</td></tr>'
        )
    return (
        '<table class="comparison"><thead><tr><th>compared with</th><th>computed</th>'
        "<th>published</th><th>z (σ)</th><th>verdict</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def _step_card(step: StepRecord, root: str, plots: list[tuple[str, dict]], figures: bool) -> str:
    r = step.result
    parts = [
        f'<section class="card" id="step-{_e(step.id)}" data-step="{_e(step.id)}">',
        f"<h3>{_e(step.label or step.id)}</h3>",
        f"<p>step <code>{_e(step.id)}</code> · {_e(step.type)} · status {_status(r.status)}"
        f' · sample <a href="{root}samples/{slug(step.sample)}.html">{_e(step.sample)}</a>'
        f' · <a href="{root}techniques/{slug(step.technique)}.html">'
        f"{_e(_technique_name(step.technique))}</a>"
        + (" · from cache" if step.cached else "")
        + "</p>",
    ]
    if r.message:
        parts.append(f'<p class="message">{_e(r.message)}</p>')
    if step.note:
        parts.append(f"<p>{_e(step.note)}</p>")
    parts.append(_quantity_table(r))
    parts.append(_comparison_table(r))
    parts.extend(f'<p class="warning">warning: {_e(w)}</p>' for w in r.warnings)
    if figures and step.figure is not None:
        parts.append(
            f'<img class="figure" loading="lazy" src="{root}figures/{_e(step.figure.name)}" '
            f'alt="{_e(step.label or step.id)}">'
        )
    spec = curve_figure(step)
    if spec is not None:
        div = f"curves-{slug(step.id)}"
        parts.append(f'<div class="plot" id="{_e(div)}"></div>')
        plots.append((div, spec))
    parts.append("</section>")
    return "\n".join(parts)


def _index(w: _Writer) -> None:
    rep = w.report
    counts: dict[str, int] = {}
    for s in rep.steps:
        counts[s.result.status] = counts.get(s.result.status, 0) + 1
    rows = "".join(
        f'<tr><td><a href="samples/{slug(s.sample)}.html#step-{_e(s.id)}">{_e(s.id)}</a></td>'
        f"<td>{_e(s.label)}</td>"
        f'<td><a href="samples/{slug(s.sample)}.html">{_e(s.sample)}</a></td>'
        f'<td><a href="techniques/{slug(s.technique)}.html">'
        f"{_e(_technique_name(s.technique))}</a></td>"
        f"<td>{_status(s.result.status)}</td><td>{_e(s.result.message)}</td></tr>"
        for s in rep.steps
    )
    samples = "".join(
        f'<li><a href="samples/{slug(name)}.html">{_e(name)}</a> ({len(steps)})</li>'
        for name, steps in rep.samples().items()
    )
    techniques = "".join(
        f'<li><a href="techniques/{slug(key)}.html">{_e(_technique_name(key))}</a> '
        f"({len(steps)})</li>"
        for key, steps in rep.techniques().items()
    )
    body = (
        f"<p>{_e(rep.description)}</p>"
        '<p class="counts">'
        + "".join(f"<span>{_status(k)}: {v}</span>" for k, v in sorted(counts.items()))
        + f'<span><a href="problems.html">{w.n_problems} problems</a></span></p>'
        f"<h2>Samples</h2><ul>{samples}</ul>"
        f"<h2>Techniques</h2><ul>{techniques}</ul>"
        '<h2>All analyses</h2><table id="steps"><thead><tr><th>step</th><th>label</th>'
        "<th>sample</th><th>technique</th><th>status</th><th>message</th></tr></thead>"
        f"<tbody>{rows}</tbody></table>"
    )
    plots: list[tuple[str, dict]] = []
    body += _series_section(rep, plots)
    w.write("index.html", rep.name, body, plots)


def _series_comparison(rep: CampaignReport, step_id: str, quantity: str) -> str:
    """Published value and verdict of one series row (two cells, empty when not compared)."""
    step = next((s for s in rep.steps if s.id == step_id), None)
    comp = {} if step is None else step.result.statistics.get("reference_comparison", {})
    c = comp.get(quantity) if quantity else None
    if not isinstance(c, dict):
        return "<td></td><td></td>"
    verdict = str(c.get("verdict", ""))
    css = "ok" if verdict == "ok" else "suspect"
    published = f"{_float(c.get('published')):.6g}"
    return f'<td class="num">{_e(published)}</td><td class="status-{css}">{_e(verdict)}</td>'


def _series_section(rep: CampaignReport, plots: list[tuple[str, dict]]) -> str:
    """The campaign's series tables (a quantity against a sample parameter), each with a plot
    and, per row, the published value and the verdict of the comparison."""
    if not rep.series:
        return ""
    parts = ["<h2>Series</h2>"]
    for sid, rows in rep.series.items():
        info = rep.series_info.get(sid, {})
        quantity = str(info.get("quantity", ""))
        body = "".join(
            f'<tr data-step="{_e(r.get("step", ""))}"><td>{_e(r.get("sample", ""))}</td>'
            f"<td>{_e(r.get('x', ''))}</td><td>{_e(r.get('step', ''))}</td>"
            + _num_cell(Quantity(_float(r.get("value")), _float(r.get("stderr")), "1"))
            + f"<td>{_e(r.get('unit', ''))}</td><td>{_status(str(r.get('status', '')))}</td>"
            + _series_comparison(rep, str(r.get("step", "")), quantity)
            + "</tr>"
            for r in rows
        )
        title = f"{info['label']} ({sid})" if info.get("label") else sid
        what = f"{quantity} against {info['x']}" if quantity and info.get("x") else ""
        parts.append(
            f"<h3>{_e(title)}</h3>"
            + (f"<p>{_e(what)}</p>" if what else "")
            + f'<table class="series-table" data-series="{_e(sid)}"><thead><tr>'
            "<th>sample</th><th>x</th><th>step</th><th>value ± error</th><th>unit</th>"
            "<th>status</th><th>published</th><th>comparison</th></tr></thead>"
            f"<tbody>{body}</tbody></table>"
        )
        spec = series_table_figure(sid, rows)
        if spec is not None:
            div = f"series-table-{slug(sid)}"
            parts.append(f'<div class="plot" id="{_e(div)}"></div>')
            plots.append((div, spec))
    return "".join(parts)


def _opt_float(x: Any) -> float | None:
    return None if x is None else _float(x)


def _float(x: Any) -> float:
    try:
        return float(x)
    except (TypeError, ValueError):
        return float("nan")


def _sample_pages(w: _Writer, figures: bool) -> None:
    for name, steps in w.report.samples().items():
        plots: list[tuple[str, dict]] = []
        info = w.report.sample_info.get(name)
        head = ""
        if info:
            rows = "".join(
                f"<tr><th>{_e(k)}</th><td>{_e(v if isinstance(v, str) else json.dumps(v))}</td></tr>"
                for k, v in info.items()
                if k != "name" and v not in (None, "", {}, [])
            )
            head = f'<table class="sample-info">{rows}</table>' if rows else ""
        body = head + "\n".join(_step_card(s, "../", plots, figures) for s in steps)
        w.write(f"samples/{slug(name)}.html", f"Sample: {name}", body, plots)


def _series_table(steps: list[StepRecord]) -> tuple[str, list[tuple[str, str]]]:
    names: dict[str, str] = {}
    for s in steps:
        for group in (s.result.parameters, s.result.derived):
            for k, q in group.items():
                names.setdefault(k, q.unit)
    head = "".join(
        f'<th data-name="{_e(k)}">{_e(k if u in ("", "1") else f"{k} ({u})")}</th>'
        for k, u in names.items()
    )
    rows = []
    for s in steps:
        cells = []
        for k in names:
            try:
                cells.append(_num_cell(s.result[k]))
            except KeyError:
                cells.append('<td class="num"></td>')
        rows.append(
            f'<tr data-step="{_e(s.id)}"><td>{_e(s.label or s.id)}</td>'
            f"<td>{_status(s.result.status)}</td>{''.join(cells)}</tr>"
        )
    table = (
        '<table class="series"><thead><tr><th>analysis</th><th>status</th>'
        f"{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )
    return table, list(names.items())


def _technique_pages(w: _Writer, figures: bool, max_series: int = 8) -> None:
    for key, steps in w.report.techniques().items():
        plots: list[tuple[str, dict]] = []
        by_type: dict[str, list[StepRecord]] = {}
        for s in steps:
            by_type.setdefault(s.type, []).append(s)
        sections = []
        for step_type, group in by_type.items():
            table, names = _series_table(group)
            series: list[str] = []
            for name, unit in names:
                if len(series) >= max_series:
                    break
                spec = series_figure(name, unit, group)
                if spec is not None:
                    div = f"series-{slug(step_type + '/' + name)}"
                    series.append(f'<div class="plot" id="{_e(div)}"></div>')
                    plots.append((div, spec))
            sections.append(
                f"<h2>Series: {_e(step_type)}</h2>"
                f'<div class="scroll">{table}</div>{"".join(series)}'
            )
        cards = "\n".join(_step_card(s, "../", plots, figures) for s in steps)
        body = f"{''.join(sections)}<h2>Analyses</h2>{cards}"
        w.write(f"techniques/{slug(key)}.html", _technique_name(key), body, plots)


def _problems_page(w: _Writer) -> None:
    rows = "".join(
        f'<tr><td><a href="samples/{slug(s.sample)}.html#step-{_e(s.id)}">{_e(s.id)}</a></td>'
        f"<td>{_e(s.label)}</td><td>{_status(kind) if kind != 'warning' else 'warning'}</td>"
        f"<td>{_e(text)}</td></tr>"
        for s, kind, text in _problems(w.report)
    )
    body = (
        "<p>Every failed or suspect analysis and every warning (inconsistencies with published "
        "values, diagnostics that did not pass).</p>"
        + (
            '<table id="problems"><thead><tr><th>step</th><th>label</th><th>kind</th>'
            f"<th>detail</th></tr></thead><tbody>{rows}</tbody></table>"
            if rows
            else "<p>No problems.</p>"
        )
    )
    w.write("problems.html", "Problems", body, [])


def _provenance_page(w: _Writer) -> None:
    parts = [
        f"<p>Report written by heterolab {_e(__version__)}; results computed by heterolab "
        f"{_e(w.report.heterolab_version)}.</p>"
    ]
    for s in w.report.steps:
        prov = s.result.provenance or {}
        inputs = prov.get("inputs") or {}
        rows = "".join(
            f"<tr><td>{_e(k)}</td><td>{_e(v.get('path', ''))}</td>"
            f"<td><code>{_e(v.get('sha256', ''))}</code></td></tr>"
            for k, v in inputs.items()
            if isinstance(v, dict)
        )
        versions = {k: v for k, v in prov.items() if k not in ("inputs", "settings")}
        parts.append(
            f'<section class="card" id="prov-{_e(s.id)}"><h3>{_e(s.label or s.id)}</h3>'
            f"<p>step <code>{_e(s.id)}</code> · {_e(s.type)}"
            + (" · from cache" if s.cached else " · computed in this run")
            + "</p>"
            + (
                "<table><thead><tr><th>input</th><th>path</th><th>SHA-256</th></tr></thead>"
                f"<tbody>{rows}</tbody></table>"
                if rows
                else ""
            )
            + f"<h4>settings</h4><pre>{_e(json.dumps(prov.get('settings', {}), indent=1))}</pre>"
            + f"<h4>versions</h4><pre>{_e(json.dumps(versions, indent=1))}</pre></section>"
        )
    w.write("provenance.html", "Provenance", "\n".join(parts), [])


def _prepare(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise ParameterError(f"report path {out} exists and is not a folder")
    if out.exists() and any(out.iterdir()):
        if not (out / MARKER).exists():
            raise ParameterError(
                f"report folder {out} is not empty and was not written by heterolab; "
                "choose an empty or new folder (nothing was written)"
            )
        shutil.rmtree(out)
    (out / "assets").mkdir(parents=True)
    (out / MARKER).write_text(f"written by heterolab {__version__}\n", encoding="utf-8")


def build_site(
    report: CampaignReport, outdir: str | PathLike[str], *, interactive: bool = True
) -> Site:
    """Write the report site for ``report`` into ``outdir``.

    Parameters
    ----------
    report
        Campaign results (:mod:`heterolab.report.html_source`).
    outdir
        Folder to write (created; an earlier report folder is replaced; any other non-empty
        folder is refused).
    interactive
        Embed interactive plotly.js plots when the ``plotly`` package is installed (its
        JavaScript is copied into ``assets/``; no network).

    Returns
    -------
    Site
        The folder, the pages written and whether plots are interactive.
    """
    out = Path(outdir)
    _prepare(out)
    site = Site(out)
    js = plotly_js_path() if interactive else None
    if js is not None:
        shutil.copyfile(js, out / "assets" / "plotly.min.js")
        site.interactive = True
    (out / "assets" / "style.css").write_text(_template("style.css"), encoding="utf-8")
    figures = False
    for s in report.steps:
        if s.figure is not None and s.figure.is_file():
            (out / "figures").mkdir(exist_ok=True)
            shutil.copyfile(s.figure, out / "figures" / s.figure.name)
            figures = True
    w = _Writer(report, site)
    _index(w)
    _sample_pages(w, figures)
    _technique_pages(w, figures)
    _problems_page(w)
    _provenance_page(w)
    return site
