"""Writes to the membership ledger, which must follow the membership lifecycle.

Every write locks the city's row first, so two connections recording steps for
the same city run one after the other and the second sees the first's step.
"""

import datetime
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cities.dates import DatePrecision, format_partial_date, normalise
from cities.models import (
    STATUS_OF_KIND,
    City,
    Confidence,
    MembershipKind,
    MembershipStatus,
    MembershipStep,
)

# The steps allowed from each standing.
ALLOWED_STEPS = {
    MembershipStatus.NONE: {
        MembershipKind.INVITED,
        MembershipKind.CANDIDATE,
        MembershipKind.JOINED,
    },
    MembershipStatus.INVITED: {
        MembershipKind.CANDIDATE,
        MembershipKind.JOINED,
        MembershipKind.WITHDRAWN,
    },
    MembershipStatus.CANDIDATE: {MembershipKind.JOINED, MembershipKind.WITHDRAWN},
    MembershipStatus.MEMBER: {MembershipKind.SUSPENDED, MembershipKind.WITHDRAWN},
    MembershipStatus.SUSPENDED: {MembershipKind.REINSTATED, MembershipKind.WITHDRAWN},
    MembershipStatus.WITHDRAWN: {
        MembershipKind.INVITED,
        MembershipKind.CANDIDATE,
        MembershipKind.JOINED,
    },
}


def _refusal(status: str, kind: str) -> str:
    if kind == MembershipKind.JOINED:
        return _("The city is already a member; it must withdraw before joining again.")
    if kind == MembershipKind.SUSPENDED:
        return _("Only a member can be suspended.")
    if kind == MembershipKind.REINSTATED:
        return _("Only a suspended member can be reinstated.")
    if kind == MembershipKind.WITHDRAWN:
        return _("A city that is not invited, a candidate or a member cannot withdraw.")
    return _("A step '%(kind)s' cannot follow the status '%(status)s'.") % {
        "kind": MembershipKind(kind).label,
        "status": MembershipStatus(status).label,
    }


def membership_sequence_validate(steps: Iterable[MembershipStep]) -> None:
    """Raise ValidationError unless the steps, in date order, follow the lifecycle."""
    status = MembershipStatus.NONE
    for step in sorted(steps, key=lambda s: (s.on, s.pk is None, s.pk or 0)):
        if step.kind not in ALLOWED_STEPS[status]:
            message = _("%(date)s: %(reason)s") % {
                "date": format_partial_date(step.on, step.precision),
                "reason": _refusal(status, step.kind),
            }
            raise ValidationError({"kind": ValidationError(message, code="lifecycle")})
        status = STATUS_OF_KIND[step.kind]


def _locked_steps(city: City) -> list[MembershipStep]:
    return _locked_ledgers(city.pk)[city.pk]


def _locked_ledgers(*city_ids: int) -> dict[int, list[MembershipStep]]:
    """Lock the cities' rows and read their steps, in date order, by city."""
    ids = sorted(set(city_ids))
    # Rows are locked in primary-key order, so two writers never deadlock.
    locked = City.objects.select_for_update().filter(pk__in=ids).order_by("pk")
    if list(locked.values_list("pk", flat=True)) != ids:
        raise City.DoesNotExist("A city of this ledger no longer exists.")
    ledgers = {pk: [] for pk in ids}
    for step in MembershipStep.objects.filter(city__in=ids).order_by("on", "id"):
        ledgers[step.city_id].append(step)
    return ledgers


@transaction.atomic
def membership_step_record(
    *,
    city: City,
    kind: str,
    on: datetime.date,
    precision: str = DatePrecision.DAY,
    event=None,
    founding: bool | None = None,
    signature=None,
    confidence: str = Confidence.UNVERIFIED,
    sources: list[str] | None = None,
    notes: str = "",
) -> MembershipStep:
    """Add a step to a city's ledger, at its date, refusing a step after which the
    ledger, read in date order, no longer follows the lifecycle."""
    steps = _locked_steps(city)
    on = normalise(on, precision)
    step = MembershipStep(
        city=city,
        kind=kind,
        on=on,
        precision=precision,
        event=event,
        founding=founding,
        signature=signature,
        confidence=confidence,
        sources=sources or [],
        notes=notes,
    )
    membership_sequence_validate([*steps, step])
    _check_signature_city(step)
    step.full_clean(validate_unique=True, validate_constraints=True)
    step.save()
    return step


def _check_signature_city(step: MembershipStep) -> None:
    if step.signature is not None and step.signature.city_id != step.city_id:
        message = _("This signature is another city's.")
        raise ValidationError(
            {"signature": ValidationError(message, code="signature_city")}
        )


@transaction.atomic
def membership_step_change(*, step: MembershipStep, **changes) -> MembershipStep:
    """Correct a recorded step; the city's whole ledger must still be valid after it.

    A step moved to another city leaves one ledger for another: both must hold.
    """
    recorded_city_id = (
        MembershipStep.objects.filter(pk=step.pk).values_list("city", flat=True).get()
    )
    for field, value in changes.items():
        setattr(step, field, value)
    step.on = normalise(step.on, step.precision)
    ledgers = _locked_ledgers(recorded_city_id, step.city_id)
    for city_id, steps in ledgers.items():
        others = [s for s in steps if s.pk != step.pk]
        membership_sequence_validate(
            [*others, step] if city_id == step.city_id else others
        )
    _check_signature_city(step)
    step.full_clean(validate_unique=True, validate_constraints=True)
    step.save()
    return step


@transaction.atomic
def membership_step_delete(*, step: MembershipStep) -> None:
    """Remove a step recorded in error, if the rest of the ledger still holds."""
    steps = _locked_steps(step.city)
    membership_sequence_validate([s for s in steps if s.pk != step.pk])
    step.delete()


@transaction.atomic
def fact_confirm(*, fact, user) -> None:
    """Mark a fact confirmed by a member of the secretariat, now.

    A fact with no source cannot be confirmed: nobody could check it again.
    """
    if not fact.sources:
        raise ValidationError(
            _("%(fact)s has no source; add one before confirming it.") % {"fact": fact},
            code="no_source",
        )
    fact.confidence = Confidence.CONFIRMED
    fact.verified_at = timezone.now()
    fact.verified_by = user
    fact.save(update_fields=["confidence", "verified_at", "verified_by"])
