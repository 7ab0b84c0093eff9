"""E-mail history: an mbox exported from a mail program, on the clients' timelines.

A sales office exports its mailbox and imports it: each message lands on the
timeline of the client it belongs to, threaded, with bounces and automatic
replies recognised; messages of nobody known wait for review.  Importing the
same file again changes nothing.

Run: python examples/email_history.py
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import crmcore

MBOX = """\
From petrov@neptun.ua Wed Nov  5 09:30:00 2014
From: =?utf-8?b?0IbQstCw0L0g0J/QtdGC0YDQvtCy?= <petrov@neptun.ua>
To: petrova@intelserv.com
Subject: Invoice 15
Message-ID: <q-1@neptun.ua>
Date: Wed, 05 Nov 2014 11:30:00 +0200

Please send the invoice for 200 kg.

From petrova@intelserv.com Wed Nov  5 10:02:00 2014
From: petrova@intelserv.com
To: petrov@neptun.ua
Cc: office@neptun.ua,
Subject: RE: Invoice 15
Message-ID: <a-1@intelserv.com>
In-Reply-To: <q-1@neptun.ua>
Date: Wed, 05 Nov 2014 12:02:00 +0200

Attached.

On Wed, 5 Nov 2014, Ivan Petrov wrote:
> Please send the invoice for 200 kg.

From petrov@neptun.ua Wed Nov  5 10:03:00 2014
From: petrov@neptun.ua
To: petrova@intelserv.com
Subject: Out of office: RE: Invoice 15
Message-ID: <auto-1@neptun.ua>
Auto-Submitted: auto-replied
In-Reply-To: <a-1@intelserv.com>
Date: Wed, 05 Nov 2014 12:03:00 +0200

I am away until Monday.

From someone@gmail.com Thu Nov  6 08:00:00 2014
From: someone@gmail.com
To: petrova@intelserv.com
Subject: Price list?
Message-ID: <p-1@mail.gmail.com>
Date: Thu, 06 Nov 2014 10:00:00 +0200

Could you send your price list?
"""


def main() -> None:
    crm = crmcore.open()
    crm.employees.create(code="2", name="Петрова Ірина", email="petrova@intelserv.com")
    neptune = crm.clients.create(code="06951937", name="Нептун", emails=["office@neptun.ua"])
    crm.contacts.create(neptune, name="Петров Іван", email="petrov@neptun.ua")
    with tempfile.TemporaryDirectory() as folder:
        mbox = Path(folder) / "sales.mbox"
        mbox.write_text(MBOX, encoding="utf-8")
        report = crm.mail.import_file(mbox, own_domains=["intelserv.com"])
        print(f"read {report.read}, created {report.created}, unmatched {report.unmatched}")
        again = crm.mail.import_file(mbox, own_domains=["intelserv.com"])
        print(f"again: created {again.created}, duplicates {again.duplicates}")
    for line in crm.timeline(neptune):
        print(f"{line.occurred_at:%d.%m %H:%M} {line.type_code} {line.title}")
    for mail in crm.mail.of_client(neptune).items:
        print(f"  {mail.kind.value:<10} {mail.match_reason.value:<8} {mail.text[:40]!r}")
    print("last contact:", crm.mail.last_contact(neptune).latest)
    for waiting in crm.mail.unmatched().items:
        print("to review:", waiting.sender, waiting.subject)


if __name__ == "__main__":
    main()
