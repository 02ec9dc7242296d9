"""``res.partner.email_normalized`` as Odoo computes it: ``tools.email_normalize(email, strict=False)``.

The sandbox's own rendering of Odoo's rules (odoo/tools/mail.py), so a client that normalizes differently
(lower-casing a non-ASCII local part, keeping a name in front of the address) misses partners here as it
would in a real Odoo:

* the addresses are split out of the text as an e-mail header is (``Name <addr>``, lists with commas), and
  only parts with an ``@`` count; the first one is used (``strict=False``);
* ``Name addr@x.com`` without angle brackets: the words without ``@`` are the name;
* a part that starts with ``@`` (``x@@y.com`` splits that way) sends Odoo to a plain address pattern over
  the whole text instead, when that pattern finds anything;
* the domain is lower-cased, and so is the local part only when it is pure ASCII (SMTPUTF8 addresses keep
  their case).
"""

from __future__ import annotations

import email.utils
import re
from typing import Any

# Odoo's plain address pattern (``email_re``): ASCII only, a dotted domain with a 2-63 letter TLD.
_PLAIN_ADDRESS = re.compile(r"[a-zA-Z0-9._%+-]+@[a-zA-Z0-9.-]+\.[a-zA-Z]{2,63}")
# Pythons with the 2023 header-parsing fix parse strictly unless told not to; Odoo turns that off, and so
# do we (older Pythons, 3.11.7 included, only have the lenient parser).
_LENIENT: dict[str, Any] = {"strict": False} if hasattr(email.utils, "supports_strict_parsing") else {}


def email_normalized(email: Any) -> str | None:
    """What Odoo stores in ``email_normalized`` for ``email``; None where Odoo stores False."""
    if not email:
        return None
    addresses = split_addresses(str(email))
    return _normalize(addresses[0]) if addresses else None


def split_addresses(text: str) -> list[str]:
    """The addresses in ``text``, in order, as Odoo's ``email_split`` finds them."""
    if not text:
        return []
    pairs = [
        (name, address)
        for name, address in email.utils.getaddresses([text], **_LENIENT)
        if address and "@" in address
    ]
    if any(address.startswith("@") for _name, address in pairs):
        plain = [found for found in _PLAIN_ADDRESS.findall(text) if not found.startswith("@")]
        if plain:
            pairs = [("", found) for found in plain]
    return [_without_leading_words(name, address) for name, address in pairs]


def _without_leading_words(name: str, address: str) -> str:
    """``jane jane@x.com`` (a name without quotes or brackets): the part with the ``@``."""
    if name or " " not in address:
        return address
    words = [found for _, found in email.utils.getaddresses([address.replace(" ", ",")], **_LENIENT) if found]
    with_at = [word for word in words if "@" in word]
    return with_at[-1] if with_at else address


def _normalize(address: str) -> str:
    local, at, domain = address.rpartition("@")
    if local.isascii():
        local = local.lower()
    return f"{local}{at}{domain.lower()}"
