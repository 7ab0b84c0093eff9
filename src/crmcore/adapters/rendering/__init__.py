"""Documents as the client receives them: HTML from a Jinja2 template, PDF from the HTML."""

from __future__ import annotations

from crmcore.adapters.rendering.documents import (
    DocumentPage,
    pdf_available,
    render_html,
    render_pdf,
)

__all__ = ["DocumentPage", "pdf_available", "render_html", "render_pdf"]
