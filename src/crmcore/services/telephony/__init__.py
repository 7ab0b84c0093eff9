"""Telephony (``crm.telephony``): caller-ID, the call model, screen pops and click-to-call.

- :mod:`~crmcore.services.telephony.common`: settings, PBX numbers, the matching policy;
- :mod:`~crmcore.services.telephony.screen_pop`: what a PBX client shows while the phone rings;
- :mod:`~crmcore.services.telephony.handling`: call events in, calls and timeline events out;
- :mod:`~crmcore.services.telephony.dialling`: click-to-call through the PBX gateway;
- :mod:`~crmcore.services.telephony.service`: :class:`TelephonyService`, put together.
"""

from crmcore.services.telephony.dialling import best_number
from crmcore.services.telephony.handling import Handled
from crmcore.services.telephony.screen_pop import ScreenPop
from crmcore.services.telephony.service import TelephonyService

__all__ = ["Handled", "ScreenPop", "TelephonyService", "best_number"]
