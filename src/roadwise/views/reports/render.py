"""Render a :class:`~roadwise.views.reports.model.Report` to HTML, Markdown or PDF.

* HTML is one self-contained file: CSS inline, each chart inline as SVG (readable with
  JavaScript off, e.g. in a mail preview) and made interactive by the Vega JavaScript that
  vl-convert bundles, inlined once. Nothing is fetched from anywhere.
* Markdown writes the charts as SVG files into a folder beside the ``.md`` file.
* PDF is the print version of the HTML (charts as PNG data) laid out by WeasyPrint.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import json
import os
import re
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from roadwise import __version__
from roadwise.views import charts as chart_io
from roadwise.views.reports.model import Badge, Bullets, Chart, Paragraph, Report, Table
from roadwise.views.reports.wording import Glossary

FORMATS = ("html", "md", "pdf")

KIND_LABELS = {
    "executive": "Executive summary",
    "roadmap": "Roadmap",
    "status": "Status report",
    "release-notes": "Release notes",
    "risks": "Risk register",
    "resources": "Resource ask",
}


@cache
def _vega_bundle() -> str:
    """Vega, Vega-Lite and vega-embed as one script (shipped inside vl-convert; ~0.9 MB).

    Bundling takes a second or two, so the result is kept in the user's cache folder, keyed
    by the vl-convert version; a cache that cannot be written is simply skipped.
    """
    import vl_convert as vlc

    version = getattr(vlc, "__version__", "unknown")
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    cached = base / "roadwise" / f"vega-bundle-{version}.js"
    try:
        return cached.read_text(encoding="utf-8")
    except OSError:
        pass
    bundle = str(vlc.javascript_bundle())  # type: ignore[call-arg]  # snippet is optional
    try:
        cached.parent.mkdir(parents=True, exist_ok=True)
        partial = cached.with_suffix(f".{os.getpid()}.tmp")
        partial.write_text(bundle, encoding="utf-8")
        partial.replace(cached)  # atomic: parallel test workers never read half a file
    except OSError:
        pass
    return bundle


@lru_cache(maxsize=64)
def _svg_of(spec_json: str) -> str:
    import vl_convert as vlc

    return str(vlc.vegalite_to_svg(spec_json))


def _svg(chart: Any) -> str:
    """A chart's SVG, computed once per chart spec (HTML and PDF of a report share it)."""
    return _svg_of(json.dumps(chart_io.spec(chart), sort_keys=True))


def _png(chart: Any, scale: float = 2.0) -> bytes:
    import vl_convert as vlc

    return bytes(vlc.svg_to_png(_svg(chart), scale=scale))


def _css() -> str:
    return (
        resources.files("roadwise.views.reports")
        .joinpath("templates/report.css")
        .read_text(encoding="utf-8")
    )


_BOLD = re.compile(r"\*\*(.+?)\*\*")


def _rich(text: str) -> Markup:
    return Markup(_BOLD.sub(r"<strong>\1</strong>", html.escape(str(text), quote=False)))


def _refs(refs: tuple[str, ...]) -> Markup:
    if not refs:
        return Markup("")
    links = ",".join(f'<a href="#{html.escape(r)}">{html.escape(r)}</a>' for r in refs)
    return Markup(f'<sup class="ref">{links}</sup>')


def _cell(value: Any) -> Markup:
    if isinstance(value, Badge):
        return Markup(
            f'<span class="badge {html.escape(value.tone)}">{html.escape(value.text)}</span>'
        )
    return _rich(str(value))


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("roadwise.views.reports", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["rich"] = _rich
    env.filters["refs"] = _refs
    env.filters["cell"] = _cell
    return env


def _css_string(text: str) -> Markup:
    """Text safe inside a double-quoted CSS string in a style element."""
    cleaned = text.replace("\\", "\\\\").replace('"', '\\"').replace("<", "\\3c ")
    return Markup(cleaned.replace("\n", " "))


def _script_json(data: Any) -> str:
    # "</" inside a script element would end it early.
    return json.dumps(data, separators=(",", ":")).replace("</", "<\\/")


def _glossary_used(report: Report, glossary: Glossary | None) -> list[tuple[str, str]]:
    """(word, meaning) for the appendix: business terms the report used, and definitions of
    workspace terms that appear in it."""
    if glossary is None:
        return []
    words = " ".join(_texts(report))
    lowered = words.lower()
    used = [(b, f"used for “{t}”") for t, b in glossary.items() if b.lower() in lowered]
    return used + glossary.defined_in(words)


def _texts(report: Report) -> list[str]:
    out: list[str] = [report.title]
    for s in report.sections:
        out += [s.title, s.headline]
        for b in s.blocks:
            if isinstance(b, Paragraph):
                out.append(b.text)
            elif isinstance(b, Bullets):
                out += list(b.items)
            elif isinstance(b, Table):
                # Cells too: "about 300 points" in a table needs its word explained as much
                # as a sentence does.
                out += [b.caption, *b.columns, *(str(c) for row in b.rows for c in row)]
            elif isinstance(b, Chart):
                out += [b.title, b.caption]
    return out


def methods_of(report: Report) -> dict[str, str]:
    """Each distinct method of the provenance, numbered M1, M2, … (long texts said once)."""
    numbered: dict[str, str] = {}
    for entry in report.provenance:
        numbered.setdefault(entry.method, f"M{len(numbered) + 1}")
    return numbered


def render_html(
    report: Report,
    *,
    interactive: bool = True,
    print_mode: bool = False,
    glossary: Glossary | None = None,
    workspace: str = "",
) -> str:
    """The report as one self-contained HTML document."""
    charts: dict[str, Markup] = {}
    embeds: dict[str, Any] = {}
    for chart in report.charts:
        if print_mode:
            # PNG, rasterised by vl-convert with the fonts it measured the labels with (an SVG
            # drawn by WeasyPrint with other fonts can cut long labels).
            png = base64.b64encode(_png(chart.chart)).decode("ascii")
            charts[chart.key] = Markup(
                f'<img alt="{html.escape(chart.title)}" src="data:image/png;base64,{png}">'
            )
        else:
            charts[chart.key] = Markup(_svg(chart.chart))
            if interactive:
                # The $schema URL is documentation only; leaving it out keeps the file free
                # of any address outside it.
                spec = chart_io.spec(chart.chart)
                spec.pop("$schema", None)
                embeds[chart.key] = spec
    engines = ", ".join(f"{k} ({v})" if v else k for k, v in report.engines.items())
    return (
        _environment()
        .get_template("report.html.j2")
        .render(
            report=report,
            kind_label=KIND_LABELS.get(report.kind, report.kind),
            css=Markup(_css()),
            vega_js=Markup(_vega_bundle()) if embeds else None,
            embeds=Markup(_script_json(embeds)) if embeds else None,
            charts=charts,
            print=print_mode,
            as_of=report.as_of.isoformat(),
            generated=dt.date.today().isoformat(),
            version=__version__,
            workspace=workspace or report.workspace,
            engines=engines,
            glossary=_glossary_used(report, glossary),
            methods=methods_of(report),
            page_footer=_css_string(
                f"Roadwise {__version__} · {workspace or report.workspace} · "
                f"{KIND_LABELS.get(report.kind, report.kind)} as of {report.as_of.isoformat()}"
            ),
        )
    )


def render_pdf(
    report: Report, path: Path, *, glossary: Glossary | None = None, workspace: str = ""
) -> Path:
    """Write the report as a PDF (WeasyPrint, print layout, charts as PNG)."""
    from weasyprint import HTML

    document = render_html(
        report, interactive=False, print_mode=True, glossary=glossary, workspace=workspace
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    HTML(string=document, base_url=None).write_pdf(path)
    return path


# --------------------------------------------------------------------------- Markdown


def _md_text(text: str) -> str:
    return str(text).replace("\n", " ")


def _md_cell(value: Any) -> str:
    text = value.text if isinstance(value, Badge) else str(value)
    if isinstance(value, Badge) and value.tone in ("warn", "bad", "good"):
        text = f"**{text}**"
    return text.replace("|", "\\|").replace("\n", " ")


def _md_refs(refs: tuple[str, ...]) -> str:
    return "".join(f" [{r}](#{r.lower()})" for r in refs)


def render_markdown(
    report: Report,
    path: Path,
    *,
    chart_format: str = "svg",
    glossary: Glossary | None = None,
    workspace: str = "",
) -> Path:
    """Write ``path`` (.md) and its charts into ``<stem>_files/`` beside it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    files_dir = path.parent / f"{path.stem}_files"
    lines: list[str] = [
        f"# {report.title}",
        "",
        f"*{KIND_LABELS.get(report.kind, report.kind)} · {report.subtitle}*",
        "",
    ]
    for s in report.sections:
        lines += [f"## {s.title}", ""]
        if s.headline:
            lines += [f"**{_md_text(s.headline)}**", ""]
        for b in s.blocks:
            if isinstance(b, Paragraph):
                lines += [_md_text(b.text) + _md_refs(b.refs), ""]
            elif isinstance(b, Bullets):
                lines += [f"- {_md_text(i)}" for i in b.items]
                if b.refs:
                    lines.append(f"  {_md_refs(b.refs).strip()}")
                lines.append("")
            elif isinstance(b, Table):
                if b.caption:
                    lines += [f"*{_md_text(b.caption)}*{_md_refs(b.refs)}", ""]
                lines.append("| " + " | ".join(b.columns) + " |")
                lines.append(
                    "|"
                    + "|".join("---:" if i in b.numeric else "---" for i in range(len(b.columns)))
                    + "|"
                )
                lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in b.rows]
                lines.append("")
                if b.refs and not b.caption:
                    # As the HTML does: a table's numbers link to the appendix like a sentence's.
                    lines += [f"Sources:{_md_refs(b.refs)}", ""]
            elif isinstance(b, Chart):
                files_dir.mkdir(exist_ok=True)
                target = files_dir / f"{b.key}.{chart_format}"
                chart_io.save(b.chart, target)
                rel = f"{files_dir.name}/{target.name}"
                lines += [
                    f"![{b.title}]({rel})",
                    "",
                    f"*{b.title}.* {_md_text(b.caption)}{_md_refs(b.refs)}",
                    "",
                ]
    methods = methods_of(report)
    lines += [
        "## Where the numbers come from",
        "",
        "| Ref | Number | Value | Inputs | Method | Seed |",
        "|---|---|---|---|---|---|",
    ]
    for p in report.provenance:
        cells = [
            f'<a id="{p.ref.lower()}"></a>{p.ref}',
            p.label,
            p.value,
            p.inputs,
            methods[p.method],
            "—" if p.seed is None else str(p.seed),
        ]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    if methods:
        lines += ["", "Methods:", ""]
        lines += [f"- **{ref}**: {_md_text(text)}" for text, ref in methods.items()]
    used = _glossary_used(report, glossary)
    if used:
        lines += ["", "**Glossary.** " + "; ".join(f"*{w}*: {m}" for w, m in used) + "."]
    lines += [
        "",
        f"*Generated by Roadwise {__version__} on {dt.date.today().isoformat()} "
        f"from workspace “{workspace or report.workspace}”.*",
        "",
    ]
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def write(
    report: Report,
    path: Path,
    fmt: str,
    *,
    glossary: Glossary | None = None,
    workspace: str = "",
) -> Path:
    """Write a report in one of :data:`FORMATS`."""
    if fmt == "html":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(
            render_html(report, glossary=glossary, workspace=workspace), encoding="utf-8"
        )
        return path
    if fmt == "md":
        return render_markdown(report, path, glossary=glossary, workspace=workspace)
    if fmt == "pdf":
        return render_pdf(report, path, glossary=glossary, workspace=workspace)
    raise ValueError(f"unknown format '{fmt}'")
