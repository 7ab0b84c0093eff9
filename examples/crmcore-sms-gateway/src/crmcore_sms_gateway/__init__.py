"""A crmcore notification channel that sends SMS through a JSON-over-HTTP gateway.

Installed, this module is a crmcore plugin (entry point ``sms-gateway``):
its ``crmcore_channels`` hook registers an ``"sms"`` channel configured by
environment variables, or nothing when ``CRMCORE_SMS_GATEWAY_URL`` is unset.
A host can instead pass a :class:`SmsGatewayChannel` to
``crmcore.open(plugins=[...])``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping

import crmcore
from crmcore.errors import PluginError, ValidationError
from crmcore.ports import Channel
from crmcore_sms_gateway.channel import MAX_TEXT_LENGTH, SmsGatewayChannel, compose_text

__all__ = [
    "MAX_TEXT_LENGTH",
    "SENDER_VARIABLE",
    "TOKEN_VARIABLE",
    "URL_VARIABLE",
    "SmsGatewayChannel",
    "channel_from_environment",
    "compose_text",
    "crmcore_channels",
]

URL_VARIABLE = "CRMCORE_SMS_GATEWAY_URL"
TOKEN_VARIABLE = "CRMCORE_SMS_GATEWAY_TOKEN"
SENDER_VARIABLE = "CRMCORE_SMS_GATEWAY_SENDER"

_VARIABLES = {"url": URL_VARIABLE, "token": TOKEN_VARIABLE, "sender": SENDER_VARIABLE}


def channel_from_environment(environ: Mapping[str, str] | None = None) -> SmsGatewayChannel | None:
    """The channel the environment configures, or None if ``CRMCORE_SMS_GATEWAY_URL`` is unset.

    ``CRMCORE_SMS_GATEWAY_URL`` is the gateway's base URL,
    ``CRMCORE_SMS_GATEWAY_TOKEN`` its bearer token and
    ``CRMCORE_SMS_GATEWAY_SENDER`` the ``from`` of the messages (default
    ``crmcore``).  A variable set to an empty value counts as unset.

    Args:
        environ: where to read the variables; ``os.environ`` by default.

    Raises:
        PluginError: a variable is set to something unusable; the message
            names the variable.

    Example:
        >>> channel_from_environment({}) is None
        True
        >>> channel = channel_from_environment(
        ...     {
        ...         "CRMCORE_SMS_GATEWAY_URL": "https://sms.example.com/api",
        ...         "CRMCORE_SMS_GATEWAY_TOKEN": "s3cret",
        ...     }
        ... )
        >>> channel.endpoint, channel.name, channel.sender
        ('https://sms.example.com/api/messages', 'sms', 'crmcore')
    """
    found = os.environ if environ is None else environ
    values = {field: found.get(variable, "").strip() for field, variable in _VARIABLES.items()}
    if not values["url"]:
        return None
    try:
        return SmsGatewayChannel(
            values["url"], values["token"] or None, sender=values["sender"] or "crmcore"
        )
    except ValidationError as error:
        raise PluginError(
            f"crmcore-sms-gateway: {_VARIABLES.get(error.field, error.field)}: {error.problem}"
        ) from None


@crmcore.hookimpl
def crmcore_channels(register: Callable[[Channel], None]) -> None:
    """Register the channel the environment configures, if any."""
    channel = channel_from_environment()
    if channel is not None:
        register(channel)
