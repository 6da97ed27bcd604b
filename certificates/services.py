"""Issuing and revoking membership certificates.

Who may do what is decided here as well as in the views, so every caller (the
public views, the offices dashboard, the admin) obeys the same rule:

- issue: the city's own office (offices.access.office_city) or a member of the
  secretariat with ``certificates.add_certificate``;
- download the PDF: the city's own office or the secretariat with
  ``certificates.view_certificate``;
- revoke: the secretariat with ``certificates.change_certificate`` (editors).
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from b40.locks import advisory_xact_lock
from certificates.models import Certificate, CertificateState
from certificates.status import local_name_of
from cities.models import City, MembershipStatus
from offices.access import office_city


def certificate_can_issue(user, city: City) -> bool:
    if office_city(user) == city:
        return True
    return bool(user.is_staff and user.has_perm("certificates.add_certificate"))


def certificate_can_download(user, certificate: Certificate) -> bool:
    city = office_city(user)
    if city is not None and city.pk == certificate.city_id:
        return True
    return bool(user.is_staff and user.has_perm("certificates.view_certificate"))


def certificate_can_revoke(user) -> bool:
    return bool(user.is_staff and user.has_perm("certificates.change_certificate"))


def certificate_list(city: City) -> list[Certificate]:
    """The city's certificates, newest first, each with its ``state`` today.

    Each has ``state`` (a CertificateState value) and ``state_label``. One query.
    """
    certificates = list(
        Certificate.objects.filter(city=city).with_state().order_by("-issued_at", "-id")
    )
    for certificate in certificates:
        certificate.state_label = CertificateState(certificate.state).label
    return certificates


def _serial_allocate(year: int) -> int:
    """The next number of the year, under a lock held until the transaction ends:
    one writer at a time per year, so numbers are unique and have no gaps."""
    advisory_xact_lock(f"certificates.serial:{year}")
    last = Certificate.objects.filter(year=year).aggregate(last=Max("number"))["last"]
    return (last or 0) + 1


@transaction.atomic
def certificate_issue(*, city: City, user) -> Certificate:
    """Certify a member city's membership as the ledger has it now.

    Refused (ValidationError) unless the city is a member today. A second request
    on the same day while nothing has changed (a double submit) returns the
    certificate already issued rather than a new serial number.
    """
    if not certificate_can_issue(user, city):
        raise PermissionDenied(_("You may not issue a certificate for this city."))
    # The ledger's writers lock the city's row too: the status read below
    # cannot change before this transaction commits.
    city = (
        City.objects.select_for_update(of=("self",))
        .with_status()
        .prefetch_related("names")
        .get(pk=city.pk)
    )
    if city.status != MembershipStatus.MEMBER:
        raise ValidationError(
            _(
                "%(city)s is not a member of the network today (status: %(status)s); "
                "only a member city can be issued a certificate."
            )
            % {"city": city.name, "status": MembershipStatus(city.status).label},
            code="not_member",
        )
    now = timezone.now()
    # The date as printed and signed: fixed now, whatever the time zone later.
    issued_on = timezone.localdate(now)
    snapshot = {
        "city_name": city.name,
        "local_name": local_name_of(city),
        "country": city.country,
        "member_since": city.member_since,
        "member_since_precision": city.member_since_precision,
        "founding": city.founding,
    }
    same_day = (
        Certificate.objects.filter(
            city=city, revoked_at__isnull=True, issued_on=issued_on
        )
        .filter(**snapshot)
        .first()
    )
    if same_day is not None:
        return same_day
    year = issued_on.year
    number = _serial_allocate(year)
    certificate = Certificate(
        serial=f"B40-{year}-{number:06d}",
        year=year,
        number=number,
        city=city,
        issued_at=now,
        issued_on=issued_on,
        issued_by=user if user.is_authenticated else None,
        **snapshot,
    )
    certificate.full_clean()
    # Recorded as the change's author in the history, outside a request too.
    certificate._history_user = certificate.issued_by
    certificate.save()
    return certificate


@transaction.atomic
def certificate_revoke(*, certificate: Certificate, user, reason: str) -> Certificate:
    """Withdraw a certificate, with the reason shown to whoever verifies it.

    A revocation is final: the certificate stays on record (and in its history)
    so an old printout still verifies as revoked rather than unknown.
    """
    if not certificate_can_revoke(user):
        raise PermissionDenied(_("Only secretariat editors may revoke a certificate."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(
            {"reason": _("Give the reason for revoking; verifiers will read it.")},
            code="no_reason",
        )
    certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
    if certificate.revoked_at is not None:
        raise ValidationError(
            _("Certificate %(serial)s was already revoked.")
            % {"serial": certificate.serial},
            code="already_revoked",
        )
    certificate.revoked_at = timezone.now()
    certificate.revoked_by = user
    certificate.revocation_reason = reason
    certificate.full_clean()
    certificate._history_user = user
    certificate.save(update_fields=["revoked_at", "revoked_by", "revocation_reason"])
    return certificate
