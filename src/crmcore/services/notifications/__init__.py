"""``crm.notifications``: the outbox, the dispatcher, preferences and the in-app inbox.

- :mod:`~crmcore.services.notifications.outbox`: a notice becomes stored
  messages, in the unit of work of its cause;
- :mod:`~crmcore.services.notifications.notices`: what people are told when a
  task is set or moves, a comment mentions them, a call is missed;
- :mod:`~crmcore.services.notifications.deadlines`: deadlines that passed;
- :mod:`~crmcore.services.notifications.dispatcher`: claiming, delivering and
  settling messages;
- :mod:`~crmcore.services.notifications.service`: ``crm.notifications`` itself.
"""

from crmcore.services.notifications.dispatcher import DEFAULT_LEASE, DispatchReport
from crmcore.services.notifications.outbox import Notice, queue
from crmcore.services.notifications.service import NotificationService

__all__ = ["DEFAULT_LEASE", "DispatchReport", "Notice", "NotificationService", "queue"]
