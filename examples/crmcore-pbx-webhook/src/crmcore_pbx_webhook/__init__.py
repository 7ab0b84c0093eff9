"""Call events from cloud PBXs into crmcore over HTTP webhooks.

:class:`WebhookReceiver` is an HTTP endpoint: crmcore's own JSON shape of
a call event, HMAC-SHA256-signed with a shared secret and a timestamp
(:func:`sign` makes the headers a PBX sends), and Twilio's voice status
callbacks, checked with Twilio's published signature scheme.  Each event
goes to ``crm.telephony.handle``, which recognises a delivery seen before.
"""

from __future__ import annotations

from crmcore_pbx_webhook.receiver import WebhookReceiver
from crmcore_pbx_webhook.shapes import from_json, from_twilio
from crmcore_pbx_webhook.signing import (
    TOLERANCE,
    SignatureError,
    sign,
    twilio_signature,
    verify,
    verify_twilio,
)

__all__ = [
    "TOLERANCE",
    "SignatureError",
    "WebhookReceiver",
    "from_json",
    "from_twilio",
    "sign",
    "twilio_signature",
    "verify",
    "verify_twilio",
]
