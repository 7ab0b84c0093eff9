"""Importing mail files on the memory backend and SQLite: this suite's set and the shared corpus.

The shared corpus (``../shared/corpus/eml`` and ``../shared/corpus/mbox``)
holds mail written by other programs; every file of it must import, each
message stored or skipped with a reason, and importing it again must store
nothing.  Until it has mail files these tests skip, saying so.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import crmcore
from crmcore.domain.mail import MailKind, MatchReason

MAIL = Path(__file__).resolve().parents[1] / "mail"
CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"


@pytest.fixture(params=["memory", "sqlite"])
def crm(request: pytest.FixtureRequest, tmp_path: Path) -> crmcore.CRM:
    url = "memory://" if request.param == "memory" else f"sqlite:///{tmp_path / 'crm.sqlite'}"
    crm = crmcore.open(url, attachments="memory://")
    crm.employees.create(code="2", name="Петрова Ірина", email="petrova@intelserv.com")
    crm.clients.create(code="06951937", name="Нептун", emails=["office@neptun.ua"])
    crm.clients.create(code="22910019", name="ДЕЛІКАТЕС ТОВ", emails=["office@delicates.ua"])
    return crm


def test_the_suites_messages_land_on_their_clients_threaded_and_classified(
    crm: crmcore.CRM,
) -> None:
    report = crm.mail.import_file(MAIL, own_domains=["intelserv.com"])
    files = len(list(MAIL.glob("*.eml")))
    assert (report.read, report.created, report.skipped_count) == (files, files, 0)
    assert (report.bounces, report.auto_replies) == (1, 1)
    [neptune] = crm.clients.search(code="06951937")
    [delicates] = crm.clients.search(code="22910019")
    mails = {m.subject: m for c in (neptune, delicates) for m in crm.mail.of_client(c).items}
    outlook = mails["RE: Рахунок №15"]  # from a stranger at neptun.ua, Cc the client's own box
    assert outlook.match_reason is MatchReason.CLIENT
    assert outlook.matched_address == "office@neptun.ua"
    thunderbird = mails["Прайс-лист на ноябрь"]
    assert thunderbird.match_reason is MatchReason.DOMAIN
    assert mails["Прайс-лист на ноябрь"].client_id == delicates.id
    assert mails["Автоматический ответ: Прайс-лист"].kind is MailKind.AUTO_REPLY
    gmail = mails["Re: Акт звірки"]  # from gmail.com: matched by the Cc at neptun.ua, not by gmail
    assert (gmail.match_reason, gmail.matched_address) == (MatchReason.DOMAIN, "petrov@neptun.ua")
    assert [m.subject for m in crm.mail.unmatched().items] == ["こんにちは"]
    bounce = mails["Undelivered Mail Returned to Sender"]  # from our own mail server
    assert (bounce.direction.value, bounce.matched_address) == ("incoming", "old@neptun.ua")
    apple = mails["Re: Поставка в п'ятницю"]
    gmail_thread = crm.mail.thread_id("CAH+kx=gP5q0w@mail.gmail.com")
    assert apple.thread_id == gmail_thread
    again = crm.mail.import_file(MAIL, own_domains=["intelserv.com"])
    assert (again.created, again.duplicates) == (0, files)


def _corpus_files() -> list[Any]:
    found = [p for kind in ("eml", "mbox") for p in sorted((CORPUS / kind).glob("*"))]
    found = [p for p in found if p.is_file()]
    if not found:
        reason = f"the shared corpus has no e-mail files yet ({CORPUS}/eml, {CORPUS}/mbox)"
        return [pytest.param(None, marks=pytest.mark.skip(reason=reason), id="no-mail-corpus")]
    return [pytest.param(p, id=p.name) for p in found]


@pytest.mark.parametrize("path", _corpus_files())
def test_every_corpus_file_imports_or_is_skipped_with_a_reason(
    crm: crmcore.CRM, path: Path
) -> None:
    report = crm.mail.import_file(path, own_domains=["intelserv.com"])
    assert report.read >= 1
    assert report.created + report.duplicates + report.notices + report.skipped_count == report.read
    assert all(s.reason for s in report.skipped)
    again = crm.mail.import_file(path, own_domains=["intelserv.com"])
    assert again.created == 0
