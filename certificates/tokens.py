"""The signed token in a certificate's verification address.

The token carries the certified facts themselves, signed with the site's secret
key under this module's salt, so the verification page can tell a genuine
address from one in which a single character was changed, and can say what a
certificate claimed even if the certificate were later corrected.

Payload, version 1 (short keys keep the address, and so its QR code, small):
``v`` 1, ``s`` serial, ``n`` city name, ``l`` local name or "", ``c`` country
code, ``m`` member since (ISO date), ``p`` its precision, ``f`` founding
(true/false/null), ``i`` date of issue (ISO date, ``Certificate.issued_on``:
stored at issue, so a later change of time zone cannot change the token).
"""

from django.core import signing

SALT = "b40.certificates.verify"
VERSION = 1
KEYS = {"v", "s", "n", "l", "c", "m", "p", "f", "i"}


def certificate_facts(certificate) -> dict:
    """What the certificate certifies, as the token carries it."""
    return {
        "v": VERSION,
        "s": certificate.serial,
        "n": certificate.city_name,
        "l": certificate.local_name,
        "c": str(certificate.country.code),
        "m": certificate.member_since.isoformat(),
        "p": certificate.member_since_precision,
        "f": certificate.founding,
        "i": certificate.issued_on.isoformat(),
    }


def certificate_token(certificate) -> str:
    """The same token every time for the same facts: a certificate printed twice
    carries one address. (signing.dumps would add a timestamp.)"""
    signer = signing.Signer(salt=SALT)
    return signer.sign_object(certificate_facts(certificate), compress=True)


def token_facts(token: str) -> dict:
    """The facts in a token, or BadSignature if it was not signed here as it is."""
    facts = signing.Signer(salt=SALT).unsign_object(token)
    # A token signed here always has this shape; anything else is not ours.
    if not isinstance(facts, dict) or set(facts) != KEYS or facts["v"] != VERSION:
        raise signing.BadSignature("Unexpected token payload.")
    return facts
