"""What a verification address says about the certificate it was printed on."""

from dataclasses import dataclass, field

from django.core import signing
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from certificates.models import Certificate, CertificateState
from certificates.tokens import certificate_facts, token_facts
from cities.dates import format_partial_date
from cities.models import MembershipStatus


class Verdict(models.TextChoices):
    VALID = "valid", _("Valid")
    ALTERED = "altered", _("Altered")
    SUPERSEDED = "superseded", _("Superseded")
    REVOKED = "revoked", _("Revoked")
    UNKNOWN = "unknown", _("Unknown certificate")


@dataclass
class Verification:
    verdict: Verdict
    # Set only when the token is genuine: nothing from an altered token is shown.
    certificate: Certificate | None = None
    serial: str = ""
    changes: list[str] = field(default_factory=list)
    # ALTERED though signed here: the registry's own record of the serial
    # says something else, which its secretariat has to explain.
    mismatch: bool = False


def token_verify(token: str) -> Verification:
    """Check a verification token against the registry as it is today. One query."""
    try:
        facts = token_facts(token)
    except signing.BadSignature:
        return Verification(Verdict.ALTERED)
    certificate = (
        Certificate.objects.with_state()
        .select_related("city")
        .filter(serial=facts["s"])
        .first()
    )
    if certificate is None:
        return Verification(Verdict.UNKNOWN, serial=facts["s"])
    if certificate_facts(certificate) != facts:
        # Signed with the registry's key, yet not what its record of the serial
        # certifies (a restored backup, another installation sharing the key, a
        # record changed by hand): still not to be trusted, but not a forgery.
        return Verification(Verdict.ALTERED, serial=facts["s"], mismatch=True)
    verdict = {
        CertificateState.VALID: Verdict.VALID,
        CertificateState.SUPERSEDED: Verdict.SUPERSEDED,
        CertificateState.REVOKED: Verdict.REVOKED,
    }[certificate.state]
    return Verification(
        verdict,
        certificate=certificate,
        serial=certificate.serial,
        changes=certificate_changes(certificate),
    )


def certificate_changes(certificate: Certificate) -> list[str]:
    """What the registry says today that differs from the certificate, in words.

    Reads the annotations of CertificateQuerySet.with_state().
    """
    changes = []
    status = MembershipStatus(certificate.current_status)
    if status != MembershipStatus.MEMBER:
        since = format_partial_date(
            certificate.current_since, certificate.current_since_precision
        )
        if since:
            message = gettext(
                "The city is no longer a member: its status is “%(status)s” since "
                "%(date)s."
            )
        else:
            message = gettext(
                "The city is no longer a member: its status is “%(status)s”."
            )
        changes.append(message % {"status": status.label, "date": since})
    elif (
        certificate.current_member_since,
        certificate.current_member_since_precision,
    ) != (
        certificate.member_since,
        certificate.member_since_precision,
    ):
        changes.append(
            gettext(
                "The registry now records the city as a member since %(now)s; the "
                "certificate says %(then)s."
            )
            % {
                "now": format_partial_date(
                    certificate.current_member_since,
                    certificate.current_member_since_precision,
                ),
                "then": certificate.member_since_display,
            }
        )
    if status == MembershipStatus.MEMBER and (
        certificate.current_founding != certificate.founding
    ):
        changes.append(founding_change(certificate.current_founding))
    return changes


def founding_change(founding: bool | None) -> str:
    if founding is True:
        return gettext("The registry now records the city as a founding member.")
    if founding is False:
        return gettext("The registry now records the city as not a founding member.")
    return gettext("The registry no longer says whether the city was a founder.")
