"""Applications to join: receiving one, and the secretariat's decisions on it.

A received application is the secretariat's alone: nothing of it is on the
public record. Accepting it as a candidate finds or adds the city and records
its candidate step; admitting records the join; declining takes back what the
application put on the record. Each function is one transaction, and the emails
go only once it commits.
"""

import datetime
import secrets
from functools import partial

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Case, Exists, OuterRef, Q, Value, When
from django.db.models.deletion import DO_NOTHING, get_candidate_relations_to_delete
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from applications.models import (
    LETTER_MAX_BYTES,
    PDF_SIGNATURE,
    PENDING,
    Application,
    ApplicationState,
)
from applications.ratelimit import Rate, RateLimit
from b40.locks import advisory_xact_lock
from b40.notify import notify, public_url, secretariat
from cities import services as ledger
from cities.models import (
    MEMBERSHIP_HELD,
    City,
    CityName,
    Confidence,
    MembershipKind,
    MembershipStatus,
    MembershipStep,
)
from cities.search import fold

# Every request that sends the form, valid or not: generous for a person, a
# ceiling for a robot.
ATTEMPT_LIMIT = RateLimit("apply-attempt", Rate(30, datetime.timedelta(hours=1)))
# Applications received: enough for a municipality correcting a refused form;
# not enough to flood the secretariat.
APPLY_LIMIT = RateLimit(
    "apply",
    Rate(3, datetime.timedelta(hours=1)),
    Rate(10, datetime.timedelta(days=1)),
)

# No 0/O, 1/I/L or U: a reference read over the phone cannot be misheard.
REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"


def reference_new() -> str:
    """A random reference such as B40-7KQ3-M2XD: 30^8 (about 2^39) choices, so
    nobody finds another's application by trying."""
    chars = [secrets.choice(REFERENCE_ALPHABET) for _ in range(8)]
    return f"B40-{''.join(chars[:4])}-{''.join(chars[4:])}"


def reference_normalise(text: str) -> str:
    """The reference as stored, from what someone typed (any case, spaces)."""
    return "".join(text.split()).upper()


def reference_is_wellformed(reference: str) -> bool:
    """Whether ``reference`` could be one reference_new() gave out."""
    parts = reference.split("-")
    return (
        len(reference) == 13
        and len(parts) == 3
        and parts[0] == "B40"
        and all(
            len(part) == 4 and all(char in REFERENCE_ALPHABET for char in part)
            for part in parts[1:]
        )
    )


def attempt_record(*, client: str) -> None:
    """Count one sending of the form by ``client``, whatever becomes of it;
    RateLimited when too many.

    Called outside any transaction, so the count is committed at once and
    stays even if the submission then fails.
    """
    ATTEMPT_LIMIT.consume(client)


def letter_validate(content: bytes) -> None:
    """Refuse a letter that is too large or not a PDF by its content; the name
    and the browser's content type are the sender's word only."""
    if len(content) > LETTER_MAX_BYTES:
        raise ValidationError(
            {"letter": _("The letter is larger than 5 MB; send a smaller PDF.")},
            code="too_large",
        )
    if content and not content.startswith(PDF_SIGNATURE):
        raise ValidationError(
            {"letter": _("The letter is not a PDF file; send it as a PDF.")},
            code="not_pdf",
        )


def city_match(name: str, country: str) -> City | None:
    """The city on record in ``country`` with this name or one of its other names,
    ignoring case and accents; a match on the main name first."""
    key = fold(name)
    other_names = CityName.objects.filter(city=OuterRef("pk"), search_key=key)
    return (
        City.objects.filter(country=country)
        .filter(Q(search_key=key) | Exists(other_names))
        .annotate(
            main=Case(When(search_key=key, then=Value(0)), default=Value(1)),
        )
        .order_by("main", "pk")
        .first()
    )


def _city_slug(name: str, country: str, reference: str) -> str:
    """A free slug from the name, in Latin letters; from the reference if the
    name has none (the secretariat can change it)."""
    base = slugify(fold(name))[:60].strip("-")
    if not base:
        base = f"{country.lower()}-{reference.lower()}"
    taken = set(
        City.objects.filter(slug__startswith=base).values_list("slug", flat=True)
    )
    for slug in [base, f"{base}-{country.lower()}"]:
        if slug not in taken:
            return slug
    number = 2
    while f"{base}-{number}" in taken:
        number += 1
    return f"{base}-{number}"


def _city_status(city: City) -> str:
    return (
        City.objects.with_status().filter(pk=city.pk).values_list("status", flat=True)
    ).get()


def _member_refusal(city: City) -> ValidationError:
    return ValidationError(
        _(
            "%(city)s is already a member of the network. To correct its "
            "record, write to the secretariat."
        )
        % {"city": city.name},
        code="member",
    )


def _pending_refusal(name: str) -> ValidationError:
    return ValidationError(
        _(
            "An application for %(city)s is already with the secretariat; "
            "follow it with the reference sent when it was made."
        )
        % {"city": name},
        code="pending",
    )


def _duplicate_refuse(*, municipality: str, country: str) -> None:
    """Refuse an application for a city that is a member or a candidate, or
    that has an application pending, by any of its names; writes nothing."""
    city = city_match(municipality, country)
    if city is not None:
        status = _city_status(city)
        if status in MEMBERSHIP_HELD:
            raise _member_refusal(city)
        if status == MembershipStatus.CANDIDATE:
            raise _pending_refusal(city.name)
    same = Q(municipality_key=fold(municipality))
    if city is not None:
        # Also a received application under another of the city's names.
        other_names = CityName.objects.filter(city=city).values("search_key")
        same |= (
            Q(city=city)
            | Q(municipality_key=city.search_key)
            | Q(municipality_key__in=other_names)
        )
    same &= Q(country=country)
    pending = (
        Application.objects.filter(same, state__in=PENDING)
        .values_list("municipality", flat=True)
        .first()
    )
    if pending is not None:
        raise _pending_refusal(city.name if city else pending)


def _name_lock(municipality: str, country: str) -> None:
    # Two applications (or acceptances) for the same city at once: the second
    # waits here, then finds the first's.
    advisory_xact_lock(f"applications.city:{country}:{fold(municipality)}")


@transaction.atomic
def application_submit(
    *,
    municipality: str,
    country: str,
    mayor_name: str,
    contact_name: str,
    contact_email: str,
    council_decision_on: datetime.date,
    phone: str = "",
    message: str = "",
    letter: bytes = b"",
    letter_name: str = "",
    language: str = "en",
    client: str | None = None,
) -> Application:
    """Receive an application, pending review: the application alone, with its
    reference; nothing on the public record. Then tell the applicant and the
    secretariat.

    ``client`` is the sender's address for the limit on applications received
    (RateLimited when used up); a refused application is not counted.
    """
    if client is not None:
        APPLY_LIMIT.consume(client)
    municipality = " ".join(municipality.split())
    if council_decision_on > timezone.localdate():
        raise ValidationError(
            {"council_decision_on": _("The council decision cannot be in the future.")}
        )
    letter_validate(letter)
    _name_lock(municipality, country)
    _duplicate_refuse(municipality=municipality, country=country)
    reference = reference_new()
    while Application.objects.filter(reference=reference).exists():
        reference = reference_new()
    application = Application(
        reference=reference,
        municipality=municipality,
        country=country,
        mayor_name=mayor_name.strip(),
        contact_name=contact_name.strip(),
        contact_email=contact_email.strip(),
        phone=phone.strip(),
        council_decision_on=council_decision_on,
        message=message.strip(),
        letter=letter,
        letter_name=letter_name if letter else "",
        letter_size=len(letter),
        language=language,
    )
    # The letter is checked above; validating its constraints would send its
    # megabytes to the database once more.
    application.full_clean(exclude=["letter"])
    application.save()
    transaction.on_commit(partial(_notify_received, application))
    return application


def _locked(application: Application, *states: str) -> Application:
    """The application, locked, if it is in one of ``states``."""
    locked = (
        Application.objects.select_for_update().defer("letter").get(pk=application.pk)
    )
    if locked.state not in states:
        if locked.state == ApplicationState.CANDIDATE:
            message = _("This application has already been accepted as a candidate.")
        else:
            message = _("This application has already been %(state)s.") % {
                "state": locked.get_state_display()
            }
        raise ValidationError(message, code="decided")
    return locked


def received_on(application: Application) -> datetime.date:
    """The day the application was received, in the registry's time zone."""
    return timezone.localtime(application.submitted_at).date()


def _candidate_record(application: Application, user) -> None:
    """Find the city on record (or add it) and record that it applied, on the
    day the application was received; the application is locked."""
    municipality, country = application.municipality, application.country.code
    _name_lock(municipality, country)
    city = city_match(municipality, country)
    created = city is None
    if created:
        city = City(
            name=municipality,
            slug=_city_slug(municipality, country, application.reference),
            country=country,
            confidence=Confidence.UNVERIFIED,
            # Notes are records, kept in English whatever the applicant's language.
            notes=(
                f"Added from application {application.reference} to join; "
                "not yet verified."
            ),
        )
        city.full_clean()
        city.save()
    else:
        city = City.objects.select_for_update().get(pk=city.pk)
        status = _city_status(city)
        if status in MEMBERSHIP_HELD:
            raise _member_refusal(city)
        other = Application.objects.filter(city=city, state__in=PENDING).exclude(
            pk=application.pk
        )
        if status == MembershipStatus.CANDIDATE or other.exists():
            raise ValidationError(
                _(
                    "%(city)s is already a candidate on record; decline this "
                    "application or correct the ledger first."
                )
                % {"city": city.name},
                code="candidate",
            )
    application.candidate_step = ledger.membership_step_record(
        city=city,
        kind=MembershipKind.CANDIDATE,
        on=received_on(application),
        confidence=Confidence.UNVERIFIED,
        notes=f"Application {application.reference}",
    )
    application.city = city
    application.city_created = created
    application.accepted_at = timezone.now()
    application.accepted_by = user


@transaction.atomic
def application_accept(*, application: Application, user=None) -> Application:
    """Accept a received application as a candidate: the city, found on record
    or added, and its candidate step dated the day the application was
    received, with the application, together; then tell the applicant."""
    application = _locked(application, ApplicationState.RECEIVED)
    _candidate_record(application, user)
    application.state = ApplicationState.CANDIDATE
    application.full_clean(exclude=["letter"])
    application.save()
    transaction.on_commit(partial(_notify_decided, application))
    return application


@transaction.atomic
def application_admit(
    *,
    application: Application,
    on: datetime.date,
    event=None,
    source: str = "",
    user=None,
) -> Application:
    """Admit the city, received or a candidate: what the ledger still lacks
    (its candidate step, as application_accept() records it, for an
    application not yet accepted), then its join, at the event if given, and
    the application marked admitted, together; then tell the applicant.

    With a source (the network's announcement) the join is confirmed by
    ``user``; without one it is probable, and waits in the To verify queue.
    """
    application = _locked(application, *PENDING)
    errors = {}
    if on > timezone.localdate():
        errors["on"] = _("The date of admission cannot be in the future.")
    elif on < received_on(application):
        errors["on"] = _(
            "The date of admission cannot be before the application was received."
        )
    if event is not None and not event.start_on <= on <= event.end_on:
        errors["event"] = _(
            "The date of admission must fall within the event's dates "
            "(%(start)s to %(end)s)."
        ) % {"start": event.start_on.isoformat(), "end": event.end_on.isoformat()}
    if errors:
        raise ValidationError(errors)
    if application.state == ApplicationState.RECEIVED:
        _candidate_record(application, user)
    step = ledger.membership_step_record(
        city=application.city,
        kind=MembershipKind.JOINED,
        on=on,
        event=event,
        founding=False,
        confidence=Confidence.PROBABLE,
        sources=[source] if source else [],
        notes=f"Admitted on application {application.reference}",
    )
    if source:
        ledger.fact_confirm(fact=step, user=user)
    application.state = ApplicationState.ADMITTED
    application.admitted_on = on
    application.admitted_at_event = event
    application.joined_step = step
    application.decided_at = timezone.now()
    application.decided_by = user
    application.full_clean(exclude=["letter"])
    application.save()
    transaction.on_commit(partial(_notify_decided, application))
    return application


def _is_bare(city: City, application: Application) -> bool:
    """Whether nothing but this application refers to the city: no names,
    steps, offices, events, nor any other app's records."""
    for relation in get_candidate_relations_to_delete(City._meta):
        field = relation.field
        if field.remote_field.on_delete is DO_NOTHING:
            continue  # simple_history's copies, which keep the city's past
        rows = relation.related_model._base_manager.filter(**{field.name: city})
        if relation.related_model is Application:
            rows = rows.exclude(pk=application.pk)
        if rows.exists():
            return False
    return True


@transaction.atomic
def application_decline(
    *,
    application: Application,
    reason: str,
    user=None,
) -> Application:
    """Decline the application, received or a candidate. A received one left
    no trace on the record. For a candidate, its candidate step is removed
    from the ledger (its history keeps it), and a city this application added
    that has no other record is removed too. Then tell the applicant.

    A city that was on record before (invited, say), or has gained any other
    record since, stays: only the application's own traces go.
    """
    reason = reason.strip()
    if not reason:
        raise ValidationError(
            {"reason": _("Give the reason; the applicant will read it.")}
        )
    application = _locked(application, *PENDING)
    if application.candidate_step_id:
        step = MembershipStep.objects.get(pk=application.candidate_step_id)
        ledger.membership_step_delete(step=step)
        application.candidate_step = None
    city = application.city
    remove_city = (
        city is not None and application.city_created and _is_bare(city, application)
    )
    application.state = ApplicationState.DECLINED
    application.decline_reason = reason
    application.decided_at = timezone.now()
    application.decided_by = user
    if remove_city:
        application.city = None
    application.full_clean(exclude=["letter"])
    application.save()
    if remove_city:
        city.delete()
    transaction.on_commit(partial(_notify_decided, application))
    return application


def _follow_url(application: Application) -> str:
    with translation.override(application.language):
        return public_url(application.get_absolute_url())


def _notify_received(application: Application) -> None:
    city = city_match(application.municipality, application.country.code)
    context = {
        "application": application,
        "city_on_record": city,
        "follow_url": _follow_url(application),
        "admin_url": public_url(
            reverse("admin:applications_application_change", args=[application.pk])
        ),
    }
    notify(
        [application.contact_email],
        "applications/email/received",
        context,
        language=application.language,
    )
    notify(secretariat(), "applications/email/new_application", context)


def _notify_decided(application: Application) -> None:
    """Tell the applicant of a decision: accepted as a candidate, admitted or
    declined."""
    event = application.admitted_at_event
    context = {
        "application": application,
        "event_name": event.name if event else "",
        "follow_url": _follow_url(application),
    }
    notify(
        [application.contact_email],
        "applications/email/decided",
        context,
        language=application.language,
    )
