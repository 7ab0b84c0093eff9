"""``crm.calendar``: iCalendar export, per-employee feeds, .ics import and CalDAV sync.

Tasks travel as VTODOs and events as VEVENTs.  A repeating task is written
as its series: the series' first task carries the RRULE and EXDATEs, and
every other task made from the series is an override of its occurrence
(RECURRENCE-ID), so a calendar program shows each task's own status.

Identity: a task or event that came from a file keeps the file's UID (its
``external_ref`` is ``"ical:<UID>"``); everything else is written as
``task-<id>@crmcore`` or ``event-<id>@crmcore``.  Importing a file that was
exported, or importing the same file twice, therefore finds what it made
before instead of making it again.

- :mod:`~crmcore.services.calendars.common`: UIDs, references and times;
- :mod:`~crmcore.services.calendars.statuses`: states and priorities, both ways;
- :mod:`~crmcore.services.calendars.export`: tasks, series and events as calendar items;
- :mod:`~crmcore.services.calendars.importing`: a parsed file into tasks and events;
- :mod:`~crmcore.services.calendars.sync`: one CalDAV sync;
- :mod:`~crmcore.services.calendars.service`: ``crm.calendar`` itself.

Example:
    >>> import crmcore
    >>> from datetime import UTC, datetime
    >>> from crmcore.adapters.ical import parse_calendar
    >>> crm = crmcore.open(clock=lambda: datetime(2025, 3, 1, tzinfo=UTC))
    >>> ivanov = crm.employees.create(code="22", name="Іванов", email="ivanov@example.com")
    >>> task = crm.tasks.create(
    ...     "Звіт з ПДВ",
    ...     start=datetime(2025, 3, 3, 9, tzinfo=UTC),
    ...     end=datetime(2025, 3, 3, 12, tzinfo=UTC),
    ...     executors=[ivanov],
    ... )
    >>> [
    ...     (item.kind, item.summary, item.attendees[0].email)
    ...     for item in parse_calendar(crm.calendar.feed(ivanov)).items
    ... ]
    [('todo', 'Звіт з ПДВ', 'ivanov@example.com')]
"""

from crmcore.services.calendars.importing import ImportReport
from crmcore.services.calendars.service import CalendarService
from crmcore.services.calendars.sync import RemoteCalendar, SyncReport

__all__ = ["CalendarService", "ImportReport", "RemoteCalendar", "SyncReport"]
