"""Which capability follows which change, and what the dispatcher does on each pass.

This is the one place side effects are connected.  A service publishes a
signal (:mod:`crmcore.domain.signals`) in the unit of work of its change;
:data:`SUBSCRIBERS` lists, per signal, the functions that act on it, in the
order they run.  :data:`JOBS` are the dispatcher's timed work, run at the
start of every ``crm.notifications.dispatch`` pass, each in units of work of
its own, and named by the field of the dispatch report that counts it.

To make a capability follow a change, write a subscriber in that capability's
module and add it here; the service that makes the change does not change.
"""

from __future__ import annotations

from collections.abc import Mapping

from crmcore.domain.signals import (
    CallMissed,
    CommentWritten,
    DocumentIssued,
    DocumentSent,
    EventChanged,
    EventsLogged,
    ExecutorsAssigned,
    MessageSent,
    MissedCallAnswered,
    TaskCreated,
    TaskRescheduled,
    TaskStatusChanged,
)
from crmcore.services import mail, reminders, timeline
from crmcore.services.context import Job, Subscriber
from crmcore.services.notifications import deadlines, notices
from crmcore.services.tasks.callbacks import set_callback_task, withdraw_callback_task
from crmcore.services.tasks.service import materialise_due

__all__ = ["JOBS", "SUBSCRIBERS"]

SUBSCRIBERS: Mapping[type, tuple[Subscriber, ...]] = {
    TaskCreated: (timeline.show_task_created,),
    ExecutorsAssigned: (notices.announce_assigned,),
    TaskStatusChanged: (timeline.show_task_status, notices.announce_status),
    TaskRescheduled: (reminders.due_anew_when_moved,),
    CommentWritten: (timeline.show_comment, notices.announce_mentions),
    EventsLogged: (timeline.show_logged_events,),
    DocumentIssued: (timeline.show_document,),
    DocumentSent: (timeline.show_document_sent,),
    EventChanged: (timeline.show_event,),
    CallMissed: (notices.announce_missed_call, set_callback_task),
    MissedCallAnswered: (withdraw_callback_task,),
    MessageSent: (mail.remember_sent,),
}

JOBS: tuple[tuple[str, Job], ...] = (
    ("materialised", materialise_due),
    ("reminders", reminders.fire_due),
    ("overdue", deadlines.announce_deadlines),
)
