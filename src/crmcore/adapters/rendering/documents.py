"""Rendering a sales document: Jinja2 for the HTML, WeasyPrint for the PDF (optional extras).

Both libraries are imported only when a document is rendered, so crmcore
runs without them; a call that needs one and cannot find it raises
:class:`~crmcore.errors.PluginError` naming the extra to install
(``pip install 'crmcore[documents]'`` for HTML, ``'crmcore[pdf]'`` for PDF).
The templates are the host's to replace: pass a directory holding a
``document.html`` of its own (it receives the same names as the one shipped).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import attrs

from crmcore.domain import Client
from crmcore.domain.documents import Document, DocumentLine
from crmcore.errors import PluginError, ValidationError

__all__ = ["DocumentPage", "pdf_available", "render_html", "render_pdf"]

_SHIPPED = Path(__file__).with_name("templates")
TEMPLATE = "document.html"


@attrs.frozen(kw_only=True)
class DocumentPage:
    """What a document template is given: the document, its lines, the client, the seller."""

    document: Document
    lines: tuple[DocumentLine, ...]
    client: Client
    seller: str = ""


def _money(value: Any) -> str:
    """``1234.5`` → ``"1 234.50"``: thousands apart by a space, as Ukrainian documents write."""
    return f"{value:,.2f}".replace(",", "\u00a0")


def render_html(page: DocumentPage, *, templates: str | Path | None = None) -> str:
    """The document as an HTML page, from ``templates/document.html`` (crmcore's by default)."""
    try:
        import jinja2
    except ImportError:
        raise PluginError(
            "rendering documents needs Jinja2: pip install 'crmcore[documents]'"
        ) from None
    folder = _SHIPPED if templates is None else Path(templates)
    if not (folder / TEMPLATE).is_file():
        raise ValidationError("templates", f"{folder} has no {TEMPLATE}")
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(folder)),
        autoescape=jinja2.select_autoescape(["html"]),
        undefined=jinja2.StrictUndefined,
    )
    environment.filters["money"] = _money
    return environment.get_template(TEMPLATE).render(
        document=page.document, lines=page.lines, client=page.client, seller=page.seller
    )


def pdf_available() -> bool:
    """Whether WeasyPrint is installed, so documents can be rendered to PDF."""
    return importlib.util.find_spec("weasyprint") is not None


def render_pdf(html: str, *, base: str | Path | None = None) -> bytes:
    """The HTML page as a PDF; ``base`` is where relative links (a logo) are found."""
    try:
        import weasyprint
    except ImportError:
        raise PluginError("PDF documents need WeasyPrint: pip install 'crmcore[pdf]'") from None
    except OSError as error:  # its system libraries (Pango) are missing
        raise PluginError(f"WeasyPrint cannot load its libraries: {error}") from None
    result = weasyprint.HTML(string=html, base_url=None if base is None else str(base))
    return bytes(result.write_pdf())
