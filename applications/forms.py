import datetime
import os
import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.text import get_valid_filename
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from applications.models import LETTER_MAX_BYTES
from summits.models import Event

# The network's region, offered first: the countries of its cities and their
# neighbours.
REGION = (
    "AL",
    "BA",
    "BG",
    "CY",
    "GR",
    "HR",
    "MD",
    "ME",
    "MK",
    "RO",
    "RS",
    "SI",
    "TR",
    "XK",
)
PHONE = re.compile(r"^\+?[0-9 ()./-]+$")
EARLIEST_DECISION = datetime.date(2000, 1, 1)


def country_choices():
    """The region first, then every other country, each by its name in the
    visitor's language."""
    region = sorted(((code, countries.name(code)) for code in REGION), key=_by_name)
    others = sorted(
        ((code, name) for code, name in countries if code not in REGION), key=_by_name
    )
    return [
        ("", _("Choose a country")),
        (_("The Balkans and neighbours"), region),
        (_("Other countries"), others),
    ]


def _by_name(choice):
    return str(choice[1])


class ApplicationForm(forms.Form):
    """The public application form, with its spam trap (``leave_empty``)."""

    municipality = forms.CharField(
        label=_("Municipality"),
        max_length=120,
        help_text=_(
            "Its name in Latin letters, as the municipality writes it in English, "
            "e.g. Veliko Tarnovo."
        ),
        error_messages={
            "required": _("Enter the name of the municipality."),
            "max_length": _("The name can be at most 120 characters long."),
        },
        widget=forms.TextInput(attrs={"autocomplete": "address-level2"}),
    )
    country = forms.ChoiceField(
        label=_("Country"),
        error_messages={
            "required": _("Choose the country of the municipality."),
            "invalid_choice": _("Choose a country from the list."),
        },
    )
    mayor_name = forms.CharField(
        label=_("Mayor's name"),
        max_length=160,
        error_messages={
            "required": _("Enter the name of the mayor."),
            "max_length": _("The name can be at most 160 characters long."),
        },
    )
    contact_name = forms.CharField(
        label=_("Contact person"),
        max_length=160,
        help_text=_("Who the secretariat should write to about this application."),
        error_messages={
            "required": _("Enter the name of the contact person."),
            "max_length": _("The name can be at most 160 characters long."),
        },
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    contact_email = forms.EmailField(
        label=_("Contact email"),
        help_text=_("We send the reference of the application here."),
        error_messages={
            "required": _("Enter the contact person's email address."),
            "invalid": _("Enter an email address such as name@example.org."),
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    phone = forms.CharField(
        label=_("Phone (optional)"),
        max_length=40,
        required=False,
        help_text=_("With the country code, e.g. +359 2 123 4567."),
        error_messages={"max_length": _("The number can be at most 40 characters.")},
        widget=forms.TextInput(attrs={"autocomplete": "tel", "type": "tel"}),
    )
    council_decision_on = forms.DateField(
        label=_("Date of the council decision"),
        help_text=_("The day the municipal council decided to apply to join."),
        error_messages={
            "required": _("Enter the date of the council decision."),
            "invalid": _("Enter the date as year-month-day, e.g. 2026-03-15."),
        },
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    letter = forms.FileField(
        label=_("Letter or council decision (optional)"),
        required=False,
        max_length=255,
        help_text=_("A PDF file, at most 5 MB."),
        error_messages={
            "empty": _("The chosen file is empty."),
            "invalid": _("The file could not be read; choose it again."),
            "max_length": _("The file name is too long; rename the file."),
        },
        widget=forms.FileInput(attrs={"accept": "application/pdf,.pdf"}),
    )
    message = forms.CharField(
        label=_("Message (optional)"),
        max_length=2000,
        required=False,
        help_text=_("Anything the secretariat should know. At most 2,000 characters."),
        error_messages={
            "max_length": _("The message can be at most 2,000 characters long.")
        },
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    # The trap: people never see it; robots fill in every field they find. Its
    # name, id and label match nothing a browser's or password manager's
    # autofill looks for (as "website" or "url" would), and those managers are
    # told to leave it alone, lest a real application be dropped as spam.
    leave_empty = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        help_text=_("It is here to catch automated spam; people leave it empty."),
        widget=forms.TextInput(
            attrs={
                "tabindex": "-1",
                "autocomplete": "off",
                "data-1p-ignore": "",
                "data-lpignore": "true",
                "data-form-type": "other",
            }
        ),
    )

    field_order = [
        "municipality",
        "country",
        "mayor_name",
        "council_decision_on",
        "letter",
        "contact_name",
        "contact_email",
        "phone",
        "message",
        "leave_empty",
    ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["country"].choices = country_choices()

    @property
    def trapped(self) -> bool:
        """The spam trap was filled in: answer as if received, record nothing."""
        return bool(self.is_bound and self.data.get("leave_empty", "").strip())

    def clean_municipality(self):
        name = " ".join(self.cleaned_data["municipality"].split())
        if not any(char.isalpha() for char in name):
            raise ValidationError(_("Enter the name of the municipality in letters."))
        return name

    def clean_phone(self):
        phone = self.cleaned_data["phone"].strip()
        digits = sum(char.isdigit() for char in phone)
        if phone and (not PHONE.match(phone) or digits < 6):
            raise ValidationError(
                _("Enter a phone number in digits, e.g. +359 2 123 4567.")
            )
        return phone

    def clean_council_decision_on(self):
        decided = self.cleaned_data["council_decision_on"]
        if decided > timezone.localdate():
            raise ValidationError(_("The council decision cannot be in the future."))
        if decided < EARLIEST_DECISION:
            raise ValidationError(_("Check the year of the council decision."))
        return decided

    def clean_letter(self):
        letter = self.cleaned_data["letter"]
        if not letter:
            return None
        if letter.size > LETTER_MAX_BYTES:
            raise ValidationError(
                _("The letter is larger than 5 MB; send a smaller PDF.")
            )
        letter.seek(0)
        if letter.read(5) != b"%PDF-":
            raise ValidationError(_("The letter is not a PDF file; send it as a PDF."))
        letter.seek(0)
        return letter

    def submission(self) -> dict:
        """The arguments for services.application_submit()."""
        data = {
            name: value
            for name, value in self.cleaned_data.items()
            if name not in ("letter", "leave_empty")
        }
        letter = self.cleaned_data.get("letter")
        if letter:
            data["letter"] = letter.read()
            data["letter_name"] = letter_file_name(letter.name)
        return data

    @property
    def letter_lost(self) -> bool:
        """A valid letter was chosen but the form is shown again without it:
        browsers never refill a file field."""
        return bool(
            self.is_bound and self.files.get("letter") and "letter" not in self.errors
        )


def letter_file_name(name: str) -> str:
    """The letter's name as stored: no path, safe characters, ending in .pdf."""
    stem, _ext = os.path.splitext(os.path.basename(name))
    stem = get_valid_filename(stem)[:180] if stem.strip(" .") else "letter"
    return f"{stem}.pdf"


class AdmitForm(forms.Form):
    """The secretariat admits a city: when, where, and on whose word."""

    required_css_class = "required"

    on = forms.DateField(
        label=_("Date of admission"),
        help_text=_("The day the network admitted the city, e.g. its summit."),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    event = forms.ModelChoiceField(
        label=_("Event (optional)"),
        queryset=Event.objects.none(),
        required=False,
        help_text=_("The summit or meeting at which the city was admitted."),
    )
    source = forms.URLField(
        label=_("Source (optional)"),
        required=False,
        assume_scheme="https",
        max_length=500,
        help_text=_(
            "A public page announcing the admission. With one, the join is "
            "recorded as confirmed by you; without, as probable."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["event"].queryset = Event.objects.filter(
            start_on__lte=timezone.localdate()
        ).order_by("-start_on")


class AcceptForm(forms.Form):
    """The secretariat accepts an application as a candidate: nothing to fill
    in, the application says it all."""


class DeclineForm(forms.Form):
    required_css_class = "required"
    reason = forms.CharField(
        label=_("Reason"),
        max_length=2000,
        help_text=_(
            "The applicant reads it on the follow page and in the email: write it "
            "for them."
        ),
        error_messages={"required": _("Give the reason; the applicant will read it.")},
        widget=forms.Textarea(attrs={"rows": 5}),
    )


def errors_to_form(form: forms.Form, error: ValidationError) -> None:
    """Show a service's refusal on the form, on the field it names if present."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)
