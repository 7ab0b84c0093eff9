"""``crm.mail``: e-mail history on the client timeline.

``ingest`` stores read messages a batch at a time, ``threads`` puts them in
threads, ``sources`` reads files, mboxes and IMAP mailboxes in batches,
``replies`` sends replies and remembers what crmcore sent, ``service`` is
the namespace.
"""

from crmcore.services.mail.replies import remember_sent
from crmcore.services.mail.report import LISTED, MailImportReport, Progress, Skipped
from crmcore.services.mail.service import MailService

__all__ = ["LISTED", "MailImportReport", "MailService", "Progress", "Skipped", "remember_sent"]
