"""Sending a document to the client: rendered, attached, delivered once through real SMTP.

The SMTP server is aiosmtpd on loopback (tests/smtp_server.py); the store is a
SQLite file with its attachment directory, so the files travel through the
outbox, the blob store and the channel as they do in production.
"""

from __future__ import annotations

import importlib.util
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

import crmcore
from crmcore.adapters.rendering import pdf_available
from crmcore.adapters.smtp import SmtpChannel
from crmcore.errors import ValidationError
from smtp_server import smtp_server

NOW = datetime(2014, 11, 5, 9, 0, tzinfo=UTC)

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("jinja2") is None,
    reason="rendering documents needs Jinja2 (pip install 'crmcore[documents]')",
)


def _weasyprint_works() -> bool:
    if not pdf_available():
        return False
    try:
        crmcore.adapters.rendering.render_pdf("<p>x</p>")
    except crmcore.errors.PluginError:
        return False
    return True


needs_pdf = pytest.mark.skipif(
    not _weasyprint_works(),
    reason="PDF documents need WeasyPrint and its system libraries (pip install 'crmcore[pdf]')",
)


def _invoice(crm: crmcore.CRM) -> tuple[crmcore.Client, crmcore.Document]:
    client = crm.clients.create(
        code="22910019", name="ДЕЛІКАТЕС ТОВ", emails=["office@delicates.example"]
    )
    invoice = crm.documents.create(
        "invoice",
        client=client,
        issued_on=date(2014, 11, 3),
        due_on=date(2014, 11, 17),
        lines=[{"description": "Кава в зернах «Арабіка», 1 кг", "quantity": "3", "price": "450"}],
    )
    return client, invoice


def _open(tmp_path: Path, channel: SmtpChannel) -> crmcore.CRM:
    return crmcore.open(
        f"sqlite:///{tmp_path / 'crm.sqlite'}", clock=lambda: NOW, channels=[channel]
    )


def test_an_invoice_is_sent_as_html_once_and_shown_on_the_timeline(tmp_path: Path) -> None:
    with smtp_server() as server:
        channel = SmtpChannel(
            server.host, server.port, sender="CRM <crm@example.com>", security="none"
        )
        crm = _open(tmp_path, channel)
        client, invoice = _invoice(crm)
        message = crm.documents.send(invoice, formats=["html"], seller="ТОВ «Інтелсервіс»")
        assert message.address == "office@delicates.example"
        assert (crm.notifications.dispatch().sent, crm.notifications.dispatch().sent) == (1, 0)
        (mail,) = server.messages
        assert mail["Subject"] == invoice.title
        assert "1 620.00 UAH" in mail.get_body(("plain",)).get_content()
        (html,) = list(mail.iter_attachments())
        assert html.get_filename() == "РФ-2014-00001.html"
        page = html.get_content()
        assert "Кава в зернах «Арабіка», 1 кг" in page
        assert "1\u00a0620.00" in page
        assert "ТОВ «Інтелсервіс»" in page
        [stored] = crm.attachments.of(invoice)
        assert stored.name == "РФ-2014-00001.html"
        kinds = [e.kind for e in crm.timeline(client, limit=10)]
        assert kinds.count("document_sent") == 1


@needs_pdf
def test_a_pdf_is_attached_when_weasyprint_is_installed(tmp_path: Path) -> None:
    with smtp_server() as server:
        channel = SmtpChannel(
            server.host, server.port, sender="CRM <crm@example.com>", security="none"
        )
        crm = _open(tmp_path, channel)
        _, invoice = _invoice(crm)
        crm.documents.send(invoice, to="buyer@delicates.example", formats=["pdf", "html"])
        crm.notifications.dispatch()
        (mail,) = server.messages
        assert mail["To"].addresses[0].addr_spec == "buyer@delicates.example"
        files = {part.get_filename(): part for part in mail.iter_attachments()}
        assert sorted(files) == ["РФ-2014-00001.html", "РФ-2014-00001.pdf"]
        pdf = files["РФ-2014-00001.pdf"]
        assert pdf.get_content_type() == "application/pdf"
        assert pdf.get_content().startswith(b"%PDF")


def test_the_host_replaces_the_template(tmp_path: Path) -> None:
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "document.html").write_text(
        "<p>{{ seller }}: {{ document.number }} — {{ document.gross | money }}</p>", "utf-8"
    )
    with smtp_server() as server:
        channel = SmtpChannel(
            server.host, server.port, sender="CRM <crm@example.com>", security="none"
        )
        crm = _open(tmp_path, channel)
        _, invoice = _invoice(crm)
        crm.documents.send(invoice, formats=["html"], templates=folder, seller="Інтелсервіс")
        crm.notifications.dispatch()
        (mail,) = server.messages
        (html,) = list(mail.iter_attachments())
        assert html.get_content().rstrip() == "<p>Інтелсервіс: РФ-2014-00001 — 1\u00a0620.00</p>"


def test_bad_sending_input_is_refused_and_queues_nothing(tmp_path: Path) -> None:
    with smtp_server() as server:
        channel = SmtpChannel(
            server.host, server.port, sender="CRM <crm@example.com>", security="none"
        )
        crm = _open(tmp_path, channel)
        client, invoice = _invoice(crm)
        draft = crm.documents.create(
            "offer",
            client=client,
            issued_on=date(2014, 11, 4),
            status="draft",
            lines=[{"description": "Кава", "quantity": "1", "price": "1"}],
        )
        cases = [
            ({"document": invoice, "to": "not an address"}, "address"),
            ({"document": invoice, "formats": ["docx"]}, "formats"),
            ({"document": draft}, "document"),
            (
                {"document": invoice, "templates": tmp_path / "nowhere", "formats": ["html"]},
                "templates",
            ),
        ]
        for given, field in cases:
            with pytest.raises(ValidationError) as refused:
                crm.documents.send(**given)
            assert refused.value.field == field
        assert crm.notifications.dispatch().sent == 0
        assert crm.attachments.of(invoice) == []
        assert server.messages == []
