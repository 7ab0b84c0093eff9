"""A crmcore PBX plugin for Asterisk 12 and later over the Asterisk Manager Interface.

Installed, this module is a crmcore plugin (entry point ``asterisk-ami``):
its ``crmcore_phone_gateway`` hook offers an :class:`AsteriskAmi` gateway
configured by ``CRMCORE_AMI_URL`` (``ami://user:secret@host:5038``, with
``?context=`` and ``?channel=`` if the defaults do not fit), or nothing
when that variable is unset.  A host can instead pass an
:class:`AsteriskAmi` to ``crmcore.open(plugins=[...])``; either way
``gateway.listen(crm.telephony.handle, stop=...)`` feeds the PBX's call
events to crmcore.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from urllib.parse import parse_qs, unquote, urlsplit

import crmcore
from crmcore.errors import PluginError, ValidationError
from crmcore_asterisk_ami.client import AmiError, AsteriskAmi
from crmcore_asterisk_ami.mapping import CallTracker

__all__ = [
    "URL_VARIABLE",
    "AmiError",
    "AsteriskAmi",
    "CallTracker",
    "crmcore_phone_gateway",
    "gateway_from_environment",
]

URL_VARIABLE = "CRMCORE_AMI_URL"


def gateway_from_environment(environ: Mapping[str, str] | None = None) -> AsteriskAmi | None:
    """The gateway ``CRMCORE_AMI_URL`` configures, or None when it is unset or empty.

    Raises:
        PluginError: the URL is unusable; the message says why.

    Example:
        >>> gateway_from_environment({}) is None
        True
        >>> ami = gateway_from_environment({URL_VARIABLE: "ami://crm:pw@10.0.0.5?context=office"})
        >>> ami.host, ami.port, ami.username, ami.context
        ('10.0.0.5', 5038, 'crm', 'office')
    """
    found = os.environ if environ is None else environ
    url = found.get(URL_VARIABLE, "").strip()
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme != "ami" or not parts.hostname:
        raise PluginError(
            f"crmcore-asterisk-ami: {URL_VARIABLE} must be ami://user:secret@host:port"
        )
    options = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    try:
        return AsteriskAmi(
            parts.hostname,
            5038 if parts.port is None else parts.port,
            unquote(parts.username or ""),
            unquote(parts.password or ""),
            context=options.get("context", "from-internal"),
            channel=options.get("channel", "PJSIP/{extension}"),
        )
    except ValidationError as error:
        raise PluginError(f"crmcore-asterisk-ami: {URL_VARIABLE}: {error}") from None


@crmcore.hookimpl
def crmcore_phone_gateway() -> AsteriskAmi | None:
    """The gateway the environment configures, if any."""
    return gateway_from_environment()
