"""Writes of the mayors'-office portal: accounts, contact details, change requests.

Each runs in one transaction; the emails they cause are sent once it commits,
so nobody is told of something that was rolled back.
"""

import datetime
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.text import slugify
from django.utils.translation import gettext as _

from b40.notify import notify, public_url, secretariat
from cities.models import City, CityName, Confidence, Office, OfficeRole, Person
from offices.changes import (
    CONTACT_FIELDS,
    SECTIONS,
    Record,
    is_mayor_correction,
    proposal_diff,
    section_titles,
)
from offices.models import (
    ChangeRequest,
    ChangeRequestStatus,
    CityContact,
    OfficeAccount,
)


def _request_link(change_request: ChangeRequest, language: str) -> str:
    """The request's page on the office portal, in the office's language."""
    with translation.override(language):
        return public_url(change_request.get_absolute_url())


def city_name(city: City, language: str) -> str:
    """The city's name in ``language`` where the record has one, else its
    English name: emails name the city as their reader writes it."""
    local = (
        CityName.objects.filter(city=city, language=language)
        .order_by("name")
        .values_list("name", flat=True)
        .first()
    )
    return local or city.name


# Accounts


def invitation_link(user, *, language: str) -> str:
    """An address where the user sets a password, valid PASSWORD_RESET_TIMEOUT.

    Django's password-reset token: it stops working once a password is set or
    the user logs in, since both change what the token is made from.
    """
    with translation.override(language):
        path = reverse(
            "offices:invitation-accept",
            kwargs={
                "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
                "token": default_token_generator.make_token(user),
            },
        )
    return public_url(path)


def _send_invitation(account: OfficeAccount) -> None:
    user, language = account.user, account.language
    context = {
        "city": city_name(account.city, language),
        "link": invitation_link(user, language=language),
        "days": settings.PASSWORD_RESET_TIMEOUT // (24 * 3600),
        "email": user.email,
    }
    transaction.on_commit(
        lambda: notify(
            [user.email], "offices/email/invitation", context, language=language
        )
    )


def email_taken(email: str) -> bool:
    """Whether a login already uses the address, as its username or its email."""
    User = get_user_model()
    return (
        User.objects.filter(username__iexact=email).exists()
        or User.objects.filter(email__iexact=email).exists()
    )


def _email_taken_error(email: str) -> ValidationError:
    message = _("An account with the email address %(email)s exists.")
    return ValidationError(
        {"email": ValidationError(message % {"email": email}, code="taken")}
    )


@transaction.atomic
def office_invite(
    *,
    email: str,
    city: City,
    invited_by,
    language: str = "en",
) -> OfficeAccount:
    """Create an office login for the city, with no password yet, and email it
    a link to choose one. The email is the username: offices sign in with it."""
    User = get_user_model()
    email = User.objects.normalize_email(email.strip()).lower()
    if email_taken(email):
        raise _email_taken_error(email)
    user = User(username=email, email=email, is_staff=False, is_superuser=False)
    user.set_unusable_password()
    user.full_clean(validate_unique=False)
    try:
        # Two invitations for one address at once both pass the check above;
        # the unique username stops the second here.
        with transaction.atomic():
            user.save()
    except IntegrityError:
        raise _email_taken_error(email) from None
    account = OfficeAccount(
        user=user, city=city, invited_by=invited_by, language=language
    )
    account.full_clean()
    account.save()
    _send_invitation(account)
    return account


@transaction.atomic
def office_invitation_resend(*, account: OfficeAccount) -> None:
    """Send a fresh invitation link, e.g. when the first one expired."""
    if not account.user.is_active:
        raise ValidationError(
            _("%(email)s is deactivated; reactivate it before inviting again.")
            % {"email": account.user.email},
            code="inactive",
        )
    if account.user.has_usable_password():
        raise ValidationError(
            _(
                "%(email)s has already chosen a password; they can reset it from "
                "the sign-in page."
            )
            % {"email": account.user.email},
            code="password_set",
        )
    _send_invitation(account)


def _login_active_set(account: OfficeAccount, active: bool, *, by) -> None:
    user = account.user
    user.is_active = active
    user.save(update_fields=["is_active"])
    # The user table keeps no history: the account's records who and when.
    _tracked(account, user=by, reason="reactivated" if active else "deactivated")
    account.save()


@transaction.atomic
def office_account_language_set(*, account: OfficeAccount, language: str, by) -> None:
    """Choose the language the office's emails are written in."""
    account.language = language
    account.full_clean()
    _tracked(account, user=by, reason="language").save()


@transaction.atomic
def office_account_deactivate(*, account: OfficeAccount, by=None) -> None:
    """Stop a login from signing in; its requests and history stay."""
    _login_active_set(account, False, by=by)


@transaction.atomic
def office_account_reactivate(*, account: OfficeAccount, by=None) -> None:
    _login_active_set(account, True, by=by)


# Contact details


@transaction.atomic
def city_contact_save(*, contact: CityContact, user=None, reason: str = "") -> None:
    """Save contact details typed in by the secretariat, validated as a whole."""
    contact.full_clean()
    contact._history_user = user
    contact._change_reason = reason or None
    contact.save()


# Change requests


def _office_recipients(change_request: ChangeRequest) -> list[str]:
    user = change_request.submitted_by
    return [user.email] if user is not None and user.is_active else []


def _office_language(change_request: ChangeRequest) -> str:
    account = getattr(change_request.submitted_by, "office_account", None)
    return account.language if account is not None else settings.LANGUAGE_CODE


def _locked_city(city: City) -> City:
    """The city's row, locked until the transaction ends: proposals and
    approvals for one city run one after the other."""
    return City.objects.select_for_update().get(pk=city.pk)


@transaction.atomic
def change_request_submit(
    *, city: City, user, proposed: dict, comment: str = ""
) -> ChangeRequest:
    """Record a proposal as a pending request holding, for each section it
    changes, the record as it is and as proposed.

    ``proposed`` maps sections to their proposed form (see offices.changes);
    sections equal to the record are dropped. A proposal that changes nothing
    is refused, and so is one identical to a pending request of the city (a
    form sent twice): the office is pointed to the request it already made.
    """
    city = _locked_city(city)
    before, after = proposal_diff(Record.of(city).sections(), proposed)
    if not after:
        raise ValidationError(
            _(
                "Your proposal is identical to the record: change at least one "
                "value, or leave the page."
            ),
            code="unchanged",
        )
    # The city's row is locked: a proposal sent twice at once waits here for
    # the first, then finds it.
    duplicate = (
        ChangeRequest.objects.filter(
            city=city, status=ChangeRequestStatus.PENDING, after=after
        )
        .order_by("pk")
        .first()
    )
    if duplicate is not None:
        raise ValidationError(
            _(
                "Your office has already proposed exactly this in request "
                "#%(number)s, which the secretariat has not decided yet."
            )
            % {"number": duplicate.pk},
            code="duplicate",
        )
    change_request = ChangeRequest(
        city=city, submitted_by=user, before=before, after=after, comment=comment
    )
    change_request.full_clean()
    _tracked(change_request, user=user, reason="submitted").save()
    language = _office_language(change_request)
    context = {
        "number": change_request.pk,
        "link": _request_link(change_request, language),
        "admin_link": public_url(
            reverse("admin:offices_changerequest_change", args=[change_request.pk])
        ),
        "comment": comment,
    }
    with translation.override(language):
        office_context = {
            **context,
            "city": city_name(city, language),
            "sections": section_titles(change_request.after),
        }
    with translation.override(settings.LANGUAGE_CODE):
        secretariat_context = {
            **context,
            "city": city.name,
            "sections": section_titles(change_request.after),
        }
    recipients = _office_recipients(change_request)
    transaction.on_commit(
        lambda: notify(
            recipients,
            "offices/email/change_request_received",
            office_context,
            language=language,
        )
    )
    transaction.on_commit(
        lambda: notify(
            secretariat(),
            "offices/email/change_request_submitted",
            secretariat_context,
        )
    )
    return change_request


def _pending(change_request: ChangeRequest) -> ChangeRequest:
    """The request re-read under a lock; refuse it unless still pending."""
    locked = ChangeRequest.objects.select_for_update().get(pk=change_request.pk)
    if locked.status != ChangeRequestStatus.PENDING:
        raise ValidationError(
            _("This request has already been %(status)s.")
            % {"status": locked.get_status_display()},
            code="decided",
        )
    return locked


def _tracked(instance, *, user, reason: str):
    """Mark a model instance so its historical record says who and why."""
    instance._history_user = user
    instance._change_reason = reason
    return instance


def _apply_names(city, before, after, *, user, reason) -> None:
    old = {tuple(pair) for pair in before}
    new = {tuple(pair) for pair in after}
    for name in CityName.objects.filter(city=city):
        if (name.language, name.name) in old - new:
            _tracked(name, user=user, reason=reason).delete()
    for language, text in sorted(new - old):
        name = _tracked(
            CityName(city=city, language=language, name=text), user=user, reason=reason
        )
        name.full_clean()
        name.save()


def _apply_coordinates(city, after, *, user, reason) -> None:
    city.latitude = None if after["latitude"] is None else Decimal(after["latitude"])
    city.longitude = None if after["longitude"] is None else Decimal(after["longitude"])
    city.full_clean()
    _tracked(city, user=user, reason=reason).save()


def _person_for(city: City, name: str, *, user, reason: str) -> Person:
    """The person of that name who held an office in this city, else a new one."""
    known = Person.objects.filter(name=name, offices__city=city).first()
    if known is not None:
        return known
    base = slugify(name)[:100] or "person"
    slug, number = base, 1
    while Person.objects.filter(slug=slug).exists():
        number += 1
        slug = f"{base}-{number}"
    person = _tracked(Person(slug=slug, name=name), user=user, reason=reason)
    person.full_clean()
    person.save()
    return person


def _rename_person(person: Person, name: str, *, user, reason: str) -> None:
    """Correct the spelling of a person's name; the slug, a public address,
    stays as it is."""
    person.name = name
    person.full_clean()
    _tracked(person, user=user, reason=reason).save()


def _apply_mayor(city, before, after, *, user, reason, number) -> None:
    """A new mayor starts a new term on the date and ends the current one the
    day before. A correction of the current mayor's record fixes the spelling
    of their name, on their Person, and the start of their term if the date
    differs; their terms stay as they are."""
    current = (
        Office.objects.select_for_update()
        .select_related("person")
        .get(pk=before["office"])
        if before["office"]
        else None
    )
    start = after["start_on"] and datetime.date.fromisoformat(after["start_on"])
    if is_mayor_correction(before, after):
        if after["name"] != before["name"]:
            _rename_person(current.person, after["name"], user=user, reason=reason)
        if after["start_on"] != before["start_on"]:
            current.start_on = start
            current.full_clean()
            _tracked(current, user=user, reason=reason).save()
        return
    if current is not None and current.end_on is None:
        current.end_on = start - datetime.timedelta(days=1)
        try:
            current.full_clean()
        except ValidationError as error:
            raise ValidationError(
                _("The term of %(name)s cannot end on %(date)s: %(reason)s")
                % {
                    "name": before["name"],
                    "date": current.end_on.isoformat(),
                    "reason": " ".join(error.messages),
                },
                code="term_end",
            ) from error
        _tracked(current, user=user, reason=reason).save()
    # Stored text is in English, whatever language the editor reads in.
    with translation.override("en"):
        note = _("Proposed by the city's office in change request #%(number)s.") % {
            "number": number
        }
    office = Office(
        city=city,
        person=_person_for(city, after["name"], user=user, reason=reason),
        role=OfficeRole.MAYOR,
        start_on=start,
        confidence=Confidence.PROBABLE,
        notes=note,
    )
    office.full_clean()
    _tracked(office, user=user, reason=reason).save()


def _apply_contact(city, after, *, user, reason) -> None:
    contact = CityContact.objects.filter(city=city).first() or CityContact(city=city)
    for field in CONTACT_FIELDS:
        setattr(contact, field, after[field])
    contact.full_clean()
    _tracked(contact, user=user, reason=reason).save()


@transaction.atomic
def change_request_approve(*, change_request: ChangeRequest, user) -> ChangeRequest:
    """Apply a pending request to the record and mark it approved.

    The city's row is locked and the record re-read: if any section no longer
    holds what the office saw, the request is refused, since applying it would
    overwrite a change it knew nothing of. Every write goes through the models,
    so their history names the editor and the request; any refusal rolls back
    the whole approval.
    """
    change_request = _pending(change_request)
    city = _locked_city(change_request.city)
    current = Record.of(city).sections()
    stale = [
        section
        for section, seen in change_request.before.items()
        if current[section] != seen
    ]
    if stale:
        raise ValidationError(
            _(
                "The record changed since this request was made (%(sections)s); "
                "decline it and ask the office to propose again."
            )
            % {"sections": ", ".join(str(SECTIONS[s]) for s in stale)},
            code="stale",
        )
    reason = change_request.reference
    before, after = change_request.before, change_request.after
    if "names" in after:
        _apply_names(city, before["names"], after["names"], user=user, reason=reason)
    if "coordinates" in after:
        _apply_coordinates(city, after["coordinates"], user=user, reason=reason)
    if "mayor" in after:
        _apply_mayor(
            city,
            before["mayor"],
            after["mayor"],
            user=user,
            reason=reason,
            number=change_request.pk,
        )
    if "contact" in after:
        _apply_contact(city, after["contact"], user=user, reason=reason)
    return _decide(
        change_request,
        user=user,
        status=ChangeRequestStatus.APPROVED,
    )


@transaction.atomic
def change_request_decline(
    *, change_request: ChangeRequest, user, reason: str
) -> ChangeRequest:
    """Refuse a pending request, telling the office why."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(
            {"decline_reason": _("Give the office a reason for declining.")},
            code="no_reason",
        )
    change_request = _pending(change_request)
    change_request.decline_reason = reason
    return _decide(
        change_request,
        user=user,
        status=ChangeRequestStatus.DECLINED,
    )


def _decide(change_request: ChangeRequest, *, user, status: str) -> ChangeRequest:
    change_request.status = status
    change_request.decided_by = user
    change_request.decided_at = timezone.now()
    change_request.full_clean()
    _tracked(change_request, user=user, reason=str(status)).save()
    recipients = _office_recipients(change_request)
    language = _office_language(change_request)
    context = {
        "city": city_name(change_request.city, language),
        "number": change_request.pk,
        "approved": status == ChangeRequestStatus.APPROVED,
        "reason": change_request.decline_reason,
        "link": _request_link(change_request, language),
    }
    transaction.on_commit(
        lambda: notify(
            recipients,
            "offices/email/change_request_decided",
            context,
            language=language,
        )
    )
    return change_request
