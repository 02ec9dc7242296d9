"""``res.partner.email_normalized`` is what a real Odoo stores: ``email_normalize(email, strict=False)``.

A client that normalizes another way misses partners against a real Odoo; the sandbox must make it miss
them here too. Cases from Odoo's rules: a name in front is dropped, the first of several addresses wins,
the domain is lower-cased, and the local part only when it is pure ASCII (an SMTPUTF8 address keeps it).
"""

from __future__ import annotations

import pytest

from connector_worker.sandbox.odoo.emails import email_normalized, split_addresses
from tests.support.odoo_sandbox import OdooSandboxHandle

CASES = [
    ("jane.doe@example.com", "jane.doe@example.com"),
    ("  Jane.Doe@Example.COM ", "jane.doe@example.com"),
    ("Name <NaMe@DoMaIn.CoM>", "name@domain.com"),
    ('"Doe, Jane" <Jane@X.com>', "jane@x.com"),
    ("Jane jane@X.com", "jane@x.com"),  # a name without quotes or brackets
    ('tony@e.com, "Tony2" <tony2@e.com>', "tony@e.com"),  # not strict: the first address
    ("Élodie.Dupont@Exämple.COM", "Élodie.Dupont@exämple.com"),  # non-ASCII local part keeps its case
    ("ÉLODIE@x.com", "ÉLODIE@x.com"),
    ("Zoë <Zoë.Brown@Example.com>", "Zoë.Brown@example.com"),
    ("josé@EXAMPLE.com", "josé@example.com"),
    ('"Raoul" <@gmail.com> raoul@Grosbedon.fr', "raoul@grosbedon.fr"),  # a part starting with @
    ("not an address", None),
    ("", None),
]


@pytest.mark.parametrize(("email", "normalized"), CASES)
def test_email_normalized_follows_odoos_email_normalize(email: str, normalized: str | None) -> None:
    assert email_normalized(email) == normalized


def test_addresses_are_split_as_a_mail_header_is() -> None:
    assert split_addresses('A <a@x.com>, "B, C" <b@y.org>; c@z.net') == ["a@x.com", "b@y.org", "c@z.net"]
    assert split_addresses("no address here") == []


def test_searches_and_reads_see_the_same_normalized_email(odoo: OdooSandboxHandle) -> None:
    # given two contacts whose addresses differ only in the case of a non-ASCII local part
    odoo.reset()
    upper = odoo.call("res.partner", "create", {"name": "Élodie", "email": "Élodie.Dupont@Exämple.COM"})
    lower = odoo.call("res.partner", "create", {"name": "élodie", "email": "élodie.dupont@exämple.com"})
    # then each keeps its own normalized address, and a search on it finds that contact only
    rows = odoo.read("res.partner", [("id", "in", [upper, lower])], ["email_normalized"])
    assert {row["id"]: row["email_normalized"] for row in rows} == {
        upper: "Élodie.Dupont@exämple.com",
        lower: "élodie.dupont@exämple.com",
    }
    found = odoo.read("res.partner", [("email_normalized", "in", ["Élodie.Dupont@exämple.com"])], ["id"])
    assert [row["id"] for row in found] == [upper]
