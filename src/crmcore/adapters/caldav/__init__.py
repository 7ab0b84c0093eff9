"""One CalDAV calendar collection: list, read, write and sync its events and tasks.

:class:`CalDAVCollection` speaks WebDAV and CalDAV (RFC 4918, RFC 4791) and,
where the server offers it, collection synchronisation (RFC 6578) to one
calendar collection, such as a list of tasks shared with a phone.  What to
push and how remote items map to crmcore tasks is the caller's business;
this module only moves whole iCalendar resources and their ETags.

The HTTP side (sessions, Basic/Digest authentication, TLS) is the ``caldav``
package's ``DAVClient``, installed with ``pip install 'crmcore[caldav]'``.
Only its plain request method is used and the DAV XML is written and read
here, so any ``caldav`` from 1.3 on works.

Every failure is a :mod:`crmcore.errors` exception: a malformed URL is a
:class:`~crmcore.errors.ValidationError` naming ``"url"``; a refused login is
:class:`~crmcore.errors.PermissionDenied`; a changed or stale ETag is
:class:`~crmcore.errors.Conflict`; an unreachable or failing server is
:class:`~crmcore.errors.StorageError`.  Messages name the URL, never the
password.

Example:
    >>> from crmcore.adapters.caldav import CalDAVCollection
    >>> CalDAVCollection("ftp://example.org/calendars/")
    Traceback (most recent call last):
    ...
    crmcore.errors.ValidationError: url: must be an http:// or https:// URL, not 'ftp://example.org/calendars/'
"""

from __future__ import annotations

from crmcore.adapters.caldav.collection import CalDAVCollection
from crmcore.adapters.caldav.items import RemoteItem

__all__ = ["CalDAVCollection", "RemoteItem"]
