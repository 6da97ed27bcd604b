import datetime
import re
from decimal import Decimal

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.core.validators import RegexValidator
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from offices.changes import (
    CONTACT_FIELDS,
    MayorChange,
    Record,
    coordinates_section,
)
from offices.models import CityContact

LANGUAGE_TAG = RegexValidator(
    re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$"),
    _("Use a language tag such as 'tr', 'bg', 'el' or 'sr-Latn'."),
)


class OfficeAuthenticationForm(AuthenticationForm):
    """Offices sign in with their email address, which is their username."""

    error_messages = {
        **AuthenticationForm.error_messages,
        # The same words whether the address is unknown or the password wrong.
        "invalid_login": _(
            "Please enter a correct email address and password. Both may be "
            "case-sensitive."
        ),
    }

    def clean_username(self):
        # Office logins are stored lower-case (see offices.services.office_invite).
        username = self.cleaned_data["username"].strip()
        return username.lower() if "@" in username else username


class OfficePasswordResetForm(PasswordResetForm):
    """Also sends the link to an invited office that never chose a password.

    Django skips users without a usable password; an office whose invitation
    expired is one, and the reset link is exactly the invitation it needs.
    """

    def get_users(self, email):
        User = get_user_model()
        users = User._default_manager.filter(
            email__iexact=email, is_active=True
        ).select_related("office_account")
        for user in users:
            if user.has_usable_password() or hasattr(user, "office_account"):
                yield user


class NameForm(forms.Form):
    language = forms.CharField(
        label=_("Language"),
        max_length=35,
        validators=[LANGUAGE_TAG],
        help_text=_("e.g. tr, bg, el, sr-Latn"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "size": 8}),
    )
    name = forms.CharField(label=_("Name"), max_length=120)


class BaseNameFormSet(forms.BaseFormSet):
    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        # Names each row for screen readers and in the error summary.
        form.legend = gettext("Name %(number)s") % {"number": i + 1}
        return form

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        seen = set()
        for form in self.forms:
            if not form.has_changed() and not form.initial:
                continue
            if self.can_delete and self._should_delete_form(form):
                continue
            pair = (form.cleaned_data.get("language"), form.cleaned_data.get("name"))
            if pair in seen:
                raise forms.ValidationError(
                    _("The name %(name)s (%(language)s) is given twice."),
                    params={"name": pair[1], "language": pair[0]},
                )
            seen.add(pair)

    def proposed_names(self) -> list[list[str]]:
        return sorted(
            [form.cleaned_data["language"], form.cleaned_data["name"].strip()]
            for form in self.forms
            if form.cleaned_data and not self._should_delete_form(form)
        )


NameFormSet = forms.formset_factory(
    NameForm, formset=BaseNameFormSet, extra=2, can_delete=True, max_num=50
)


class ChangeRequestForm(forms.Form):
    """A proposal: the city's record as it stands, for the office to correct."""

    latitude = forms.DecimalField(
        label=_("Latitude"),
        required=False,
        max_digits=8,
        decimal_places=5,
        min_value=Decimal(-90),
        max_value=Decimal(90),
        help_text=_("Degrees north of the city centre, -90 to 90, e.g. 42.69770."),
    )
    longitude = forms.DecimalField(
        label=_("Longitude"),
        required=False,
        max_digits=9,
        decimal_places=5,
        min_value=Decimal(-180),
        max_value=Decimal(180),
        help_text=_("Degrees east of the city centre, -180 to 180, e.g. 23.32190."),
    )
    mayor_change = forms.ChoiceField(
        label=_("What changes"),
        required=False,
        choices=MayorChange.choices,
        widget=forms.RadioSelect,
        help_text=_("Needed when you change the mayor's name."),
    )
    mayor_name = forms.CharField(
        label=_("Mayor's name"), required=False, max_length=160
    )
    mayor_since = forms.DateField(
        label=_("In office since"),
        required=False,
        help_text=_("The day the mayor took office."),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    email = forms.EmailField(label=_("General email"), required=False)
    phone = forms.CharField(
        label=_("Phone"),
        required=False,
        max_length=40,
        help_text=CityContact._meta.get_field("phone").help_text,
    )
    postal_address = forms.CharField(
        label=_("Postal address"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    website = forms.URLField(label=_("Website"), required=False, assume_scheme="https")
    contact_person = forms.CharField(
        label=_("Contact person"),
        required=False,
        max_length=160,
        help_text=CityContact._meta.get_field("contact_person").help_text,
    )
    contact_person_email = forms.EmailField(
        label=_("Contact person's email"), required=False
    )
    comment = forms.CharField(
        label=_("Explanation for the secretariat"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Optional: why the record should change, and where it can be checked "
            "(a link to the municipality's page, a decision)."
        ),
    )

    def __init__(self, *args, record: Record, **kwargs):
        self.record = record
        before = record.sections()
        mayor, contact = before["mayor"], before["contact"]
        initial = {
            "latitude": record.city.latitude,
            "longitude": record.city.longitude,
            "mayor_name": mayor["name"],
            "mayor_since": mayor["start_on"],
            **contact,
        }
        super().__init__(*args, initial=initial, **kwargs)
        self.names = NameFormSet(
            *args,
            prefix="names",
            initial=[
                {"language": language, "name": name}
                for language, name in before["names"]
            ],
        )

    def is_valid(self):
        # Both, so that every error on the page shows at once.
        return all([super().is_valid(), self.names.is_valid()])

    def clean(self):
        cleaned = super().clean()
        latitude, longitude = cleaned.get("latitude"), cleaned.get("longitude")
        # Only when both parsed: a value out of range has its own error.
        both_parsed = "latitude" in cleaned and "longitude" in cleaned
        if both_parsed and (latitude is None) != (longitude is None):
            missing = "latitude" if latitude is None else "longitude"
            self.add_error(missing, _("Give both latitude and longitude, or neither."))
        self._clean_mayor(cleaned)
        return cleaned

    def _clean_mayor(self, cleaned):
        name = (cleaned.get("mayor_name") or "").strip()
        since = cleaned.get("mayor_since")
        change = cleaned.get("mayor_change")
        current = self.record.sections()["mayor"]
        if since and since > timezone.localdate():
            self.add_error(
                "mayor_since", _("The date the mayor took office cannot be ahead.")
            )
        if since and since < datetime.date(1990, 1, 1):
            self.add_error("mayor_since", _("Give a date from 1990 on."))
        if current["name"] and not name:
            self.add_error(
                "mayor_name",
                _("Give the mayor's name; the record cannot be left without one."),
            )
        if not current["office"]:
            if change == MayorChange.CORRECTION:
                self.add_error(
                    "mayor_change",
                    _("No mayor is on record to correct: give the new mayor."),
                )
            change = MayorChange.NEW
        elif not change:
            if name and name != current["name"]:
                self.add_error(
                    "mayor_change",
                    _(
                        "Say whether a new mayor took office or the current "
                        "mayor's name is misspelt."
                    ),
                )
            change = MayorChange.CORRECTION
        if name and not since:
            if change == MayorChange.NEW and name != current["name"]:
                self.add_error("mayor_since", _("Give the day the mayor took office."))
            elif current["start_on"]:
                self.add_error(
                    "mayor_since",
                    _("Give the day the mayor took office; it cannot be removed."),
                )
        cleaned["mayor_name"] = name
        cleaned["mayor_change"] = change

    def proposed(self) -> dict:
        """The record as the office proposes it, by section (see offices.changes)."""
        data = self.cleaned_data
        since = data["mayor_since"]
        return {
            "names": self.names.proposed_names(),
            "coordinates": coordinates_section(data["latitude"], data["longitude"]),
            "mayor": {
                "office": None,
                "name": data["mayor_name"],
                "start_on": since.isoformat() if since else None,
                "change": data["mayor_change"],
            },
            "contact": {field: data[field].strip() for field in CONTACT_FIELDS},
        }


class DeclineForm(forms.Form):
    decline_reason = forms.CharField(
        label=_("Reason for declining"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Sent to the office: say what it should do instead."),
        error_messages={"required": _("Give the office a reason for declining.")},
    )
