"""Render a :class:`~roadwise.views.reports.model.Report` to HTML, Markdown or PDF.

* HTML is one self-contained file: CSS inline, each chart inline as SVG (readable with
  JavaScript off, e.g. in a mail preview) and made interactive by the Vega JavaScript that
  vl-convert bundles, inlined once. Nothing is fetched from anywhere.
* Markdown writes the charts as SVG files into a folder beside the ``.md`` file; the ``.md``
  and its charts are written together (:func:`_write_together`): all of them or none.
* PDF is the print version of the HTML (charts as PNG data) laid out by WeasyPrint.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import json
import os
import re
import secrets
import shutil
from collections.abc import Callable, Sequence
from contextlib import suppress
from functools import cache, lru_cache, partial
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from roadwise import __version__
from roadwise.views import charts as chart_io
from roadwise.views.reports.model import (
    BOLD_CLOSE,
    BOLD_OPEN,
    Badge,
    Bullets,
    Chart,
    Paragraph,
    Report,
    Table,
    without_marks,
    without_user_marks,
)
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


# Only the model's own bold marks become bold: a title typed as "**tech debt**" stays as typed.
_BOLD = re.compile(f"{BOLD_OPEN}([^{BOLD_OPEN}{BOLD_CLOSE}]*){BOLD_CLOSE}")


def _rich(text: str) -> Markup:
    escaped = html.escape(without_user_marks(str(text)), quote=False)
    return Markup(without_marks(_BOLD.sub(r"<strong>\1</strong>", escaped)))


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
    # Cells hold names and titles as typed: escaped, never styled.
    return Markup(html.escape(without_marks(str(value)), quote=False))


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
    return _write_atomically(
        path, lambda target: HTML(string=document, base_url=None).write_pdf(str(target))
    )


def _write_atomically(path: Path, write: Callable[[Path], object]) -> Path:
    """Write ``path`` through a file beside it that replaces it only once complete.

    A failure half-way (disk full, a file-size limit, an interrupt) leaves the previous
    report as it was and no partial file behind (see :func:`_write_together`).
    """
    _write_together([(path, write)])
    return path


def _beside(path: Path, tag: str) -> Path:
    """A hidden name in ``path``'s folder, keeping its suffix (the chart writer picks the
    format by it)."""
    return path.with_name(f".{path.stem}.{secrets.token_hex(4)}.{tag}{path.suffix}")


def _write_together(files: Sequence[tuple[Path, Callable[[Path], object]]]) -> None:
    """Write several files (a report and its charts) so that all of them change or none does.

    Each is first written whole to a temporary file beside it, which takes the mode of the
    file it replaces. Only when every one is written are they moved into place, one rename
    each; the previous versions stay linked under a hidden name until the last rename is
    done. A failure at any point (disk full, a chart that cannot be drawn, an interrupt) puts
    the previous files back, removes the new ones, the temporaries and any folder made for
    them: the folder is left as it was.
    """
    made: list[Path] = []
    for folder in dict.fromkeys(path.parent for path, _ in files):
        missing = [f for f in (folder, *folder.parents) if not f.exists()]
        folder.mkdir(parents=True, exist_ok=True)
        made += reversed(missing)  # outermost first, so removal goes innermost first
    written: list[tuple[Path, Path]] = []
    kept: dict[Path, Path] = {}
    placed: dict[Path, None] = {}  # in order, each once (two charts may share a name)
    try:
        for path, write in files:
            temporary = _beside(path, "tmp")
            written.append((temporary, path))
            write(temporary)
            if path.exists():
                shutil.copymode(path, temporary)
        for temporary, path in written:
            if path not in placed and path.exists():
                previous = _beside(path, "old")
                try:
                    # A second name for the old file: the report never goes missing, even
                    # for a moment, while it is replaced.
                    os.link(path, previous)
                except OSError:  # a file system without hard links
                    shutil.copy2(path, previous)
                kept[path] = previous
            placed[path] = None  # before the rename: an interrupt right after it is undone too
            os.replace(temporary, path)
    except BaseException:
        for path in reversed(placed):
            with suppress(OSError):
                if path in kept:
                    previous = kept.pop(path)
                    os.replace(previous, path)
                    # Where the rename into place never happened, both names are still the
                    # same file and the rename back does nothing (POSIX): drop the second name.
                    previous.unlink(missing_ok=True)
                else:
                    path.unlink(missing_ok=True)
        for temporary, _ in written:
            with suppress(OSError):
                temporary.unlink(missing_ok=True)
        for previous in kept.values():
            with suppress(OSError):
                previous.unlink(missing_ok=True)
        for folder in reversed(made):
            with suppress(OSError):
                folder.rmdir()  # only if empty: never what was there before
        raise
    for previous in kept.values():
        # The new report is in place: an old copy that cannot be removed is no failure.
        with suppress(OSError):
            previous.unlink(missing_ok=True)


# --------------------------------------------------------------------------- Markdown


# Every character Markdown could read as markup, escaped with a backslash (CommonMark allows
# it before any ASCII punctuation); "|" too, for table cells.
_MD_SPECIAL = re.compile(r"[\\`*_\[\]<>|~#&]")
# Line starts that would open a list or a numbered list ("12.5" and "-3" do not).
_MD_BLOCK = re.compile(r"^(\s*)(?:([-+=])(?=\s|$)|(\d+)([.)])(?=\s|$))")


def _escape_block(match: re.Match[str]) -> str:
    if match.group(2):
        return f"{match.group(1)}\\{match.group(2)}"
    return f"{match.group(1)}{match.group(3)}\\{match.group(4)}"


def _md_escape(text: str, *, bold: bool = False) -> str:
    """Text as plain Markdown: one line (a table row or a heading stays whole) and nothing
    anyone typed turns into markup; with ``bold``, the model's own bold marks become
    ``**bold**``."""
    flat = " ".join(str(text).splitlines())
    flat = without_user_marks(flat) if bold else without_marks(flat)
    escaped = _MD_SPECIAL.sub(lambda m: "\\" + m.group(0), flat)
    escaped = _MD_BLOCK.sub(_escape_block, escaped, count=1)
    if bold:
        escaped = _BOLD.sub(r"**\1**", escaped)
    return without_marks(escaped)


def _md_text(text: str) -> str:
    return _md_escape(text, bold=True)


def _md_cell(value: Any) -> str:
    text = _md_escape(value.text if isinstance(value, Badge) else str(value))
    if isinstance(value, Badge) and value.tone in ("warn", "bad", "good"):
        text = f"**{text}**"
    return text


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
    """Write ``path`` (.md) and its charts into ``<stem>_files/`` beside it, all or nothing."""
    files_dir = path.parent / f"{path.stem}_files"
    charts: list[tuple[Path, Callable[[Path], object]]] = []
    lines: list[str] = [
        f"# {_md_escape(report.title)}",
        "",
        f"*{KIND_LABELS.get(report.kind, report.kind)} · {_md_escape(report.subtitle)}*",
        "",
    ]
    for s in report.sections:
        lines += [f"## {_md_escape(s.title)}", ""]
        if s.headline:
            lines += [f"**{_md_escape(s.headline)}**", ""]
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
                lines.append("| " + " | ".join(_md_escape(c) for c in b.columns) + " |")
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
                target = files_dir / f"{b.key}.{chart_format}"
                charts.append((target, partial(chart_io.save, b.chart)))
                rel = f"{files_dir.name}/{target.name}"
                title = _md_escape(b.title)
                lines += [
                    f"![{title}]({rel})",
                    "",
                    f"*{title}.* {_md_text(b.caption)}{_md_refs(b.refs)}",
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
            *(_md_escape(c) for c in (p.label, p.value, p.inputs)),
            methods[p.method],
            "—" if p.seed is None else str(p.seed),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    if methods:
        lines += ["", "Methods:", ""]
        lines += [f"- **{ref}**: {_md_escape(text)}" for text, ref in methods.items()]
    used = _glossary_used(report, glossary)
    if used:
        lines += [
            "",
            "**Glossary.** "
            + "; ".join(f"*{_md_escape(w)}*: {_md_escape(m)}" for w, m in used)
            + ".",
        ]
    lines += [
        "",
        f"*Generated by Roadwise {__version__} on {dt.date.today().isoformat()} "
        f"from workspace “{_md_escape(workspace or report.workspace)}”.*",
        "",
    ]
    text = "\n".join(lines)
    # The .md goes last: it names the charts, so it must not appear before them.
    _write_together([*charts, (path, lambda target: target.write_text(text, encoding="utf-8"))])
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
        document = render_html(report, glossary=glossary, workspace=workspace)
        return _write_atomically(path, lambda target: target.write_text(document, encoding="utf-8"))
    if fmt == "md":
        return render_markdown(report, path, glossary=glossary, workspace=workspace)
    if fmt == "pdf":
        return render_pdf(report, path, glossary=glossary, workspace=workspace)
    raise ValueError(f"unknown format '{fmt}'")
