"""The parts of a city's record an office may correct, as plain data.

A change request stores a section of the record as it was (``before``) and as
proposed (``after``), in the JSON forms built here, so that approval can tell
whether the record still holds what the office saw, and the before/after table
can be shown without reading the record again.

Sections:
- ``names``: sorted ``[language, name]`` pairs (CityName rows);
- ``coordinates``: ``{"latitude": "41.00870", "longitude": "28.97960"}``, as
  strings at five decimals, or both None;
- ``mayor``: ``{"office": pk, "name": ..., "start_on": "2024-04-01",
  "known_from": ..., "known_until": ...}``; before, the latest mayoralty on
  record (office and dates None if there is none); after, the name, the date
  the person took office and ``change``, a MayorChange: whether a new mayor
  took office or the current mayor's record is corrected;
- ``contact``: the CityContact fields, as strings.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db import models
from django.db.models.functions import Coalesce
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cities.dates import DatePrecision, format_partial_date
from cities.models import MAYORALTY, City, CityName, Office
from offices.models import CityContact

SECTIONS = {
    "names": _("Names"),
    "coordinates": _("Coordinates"),
    "mayor": _("Mayor"),
    "contact": _("Contact details"),
}
CONTACT_FIELDS = (
    "email",
    "phone",
    "postal_address",
    "website",
    "contact_person",
    "contact_person_email",
)
COORDINATE_PLACES = Decimal("0.00001")


class MayorChange(models.TextChoices):
    NEW = "new", _("A new mayor took office on the date given")
    CORRECTION = (
        "correction",
        _(
            "Correct the current mayor's record: the spelling of the name, or the "
            "day they took office"
        ),
    )


def coordinate_text(value: Decimal | None) -> str | None:
    return None if value is None else str(Decimal(value).quantize(COORDINATE_PLACES))


def coordinates_display(latitude, longitude) -> str:
    """E.g. "42.69770° N, 23.32190° E": a point as decimals, whatever the
    reader's language, since a decimal comma would read as the separator."""
    if latitude is None or longitude is None:
        return ""
    latitude, longitude = Decimal(latitude), Decimal(longitude)
    north = gettext("%(degrees)s° N") if latitude >= 0 else gettext("%(degrees)s° S")
    east = gettext("%(degrees)s° E") if longitude >= 0 else gettext("%(degrees)s° W")
    return ", ".join(
        [
            north % {"degrees": coordinate_text(abs(latitude))},
            east % {"degrees": coordinate_text(abs(longitude))},
        ]
    )


def current_mayoralty(city: City) -> Office | None:
    """The latest mayoralty on record: the term started or known last."""
    return (
        Office.objects.filter(city=city, role__in=MAYORALTY)
        .select_related("person")
        .order_by(Coalesce("start_on", "known_from").desc(nulls_last=True), "-pk")
        .first()
    )


def _iso(value: datetime.date | None) -> str | None:
    return value.isoformat() if value else None


def mayor_section(office: Office | None) -> dict:
    if office is None:
        return {
            "office": None,
            "name": "",
            "start_on": None,
            "known_from": None,
            "known_until": None,
        }
    return {
        "office": office.pk,
        "name": office.person.name,
        "start_on": _iso(office.start_on),
        "known_from": _iso(office.known_from),
        "known_until": _iso(office.known_until),
    }


def contact_section(contact: CityContact | None) -> dict:
    return {
        field: getattr(contact, field) if contact else "" for field in CONTACT_FIELDS
    }


def names_section(names) -> list[list[str]]:
    return sorted([name.language, name.name] for name in names)


def coordinates_section(latitude, longitude) -> dict:
    return {
        "latitude": coordinate_text(latitude),
        "longitude": coordinate_text(longitude),
    }


@dataclass
class Record:
    """What an office may correct in its city's record, read in three queries."""

    city: City
    mayoralty: Office | None
    contact: CityContact | None
    names: list

    @classmethod
    def of(cls, city: City) -> "Record":
        return cls(
            city=city,
            mayoralty=current_mayoralty(city),
            contact=CityContact.objects.filter(city=city).order_by("pk").first(),
            names=list(CityName.objects.filter(city=city).order_by("language", "name")),
        )

    def sections(self) -> dict:
        return {
            "names": names_section(self.names),
            "coordinates": coordinates_section(self.city.latitude, self.city.longitude),
            "mayor": mayor_section(self.mayoralty),
            "contact": contact_section(self.contact),
        }

    @property
    def coordinates_display(self) -> str:
        return coordinates_display(self.city.latitude, self.city.longitude)


def proposal_diff(before: dict, after: dict) -> tuple[dict, dict]:
    """The sections ``after`` changes, as (before, after) restricted to them.

    The mayor section counts as changed only when the name or the date differs:
    the office key is the record's bookkeeping, not the office's proposal.
    """
    changed_before, changed_after = {}, {}
    for section, proposed in after.items():
        current = before[section]
        if section == "mayor":
            same = (proposed["name"], proposed["start_on"]) == (
                current["name"],
                current["start_on"],
            )
        else:
            same = proposed == current
        if not same:
            changed_before[section] = current
            changed_after[section] = proposed
    return changed_before, changed_after


@dataclass
class Row:
    """One line of a before/after table."""

    section: str
    label: str
    before: str
    after: str


def _date_text(value: str | None) -> str:
    if not value:
        return ""
    return format_partial_date(datetime.date.fromisoformat(value), DatePrecision.DAY)


def _since_text(mayor: dict) -> str:
    """When the mayor took office, or what the record knows of it instead."""
    if mayor["start_on"] or not mayor.get("known_from"):
        return _date_text(mayor["start_on"])
    return Office(
        known_from=datetime.date.fromisoformat(mayor["known_from"]),
        known_until=mayor.get("known_until")
        and datetime.date.fromisoformat(mayor["known_until"]),
    ).tenure_display


def is_mayor_correction(before: dict, after: dict) -> bool:
    """Whether the proposal corrects the current mayor's record rather than
    recording a new mayor; requests made before offices could say so are
    corrections when the name is unchanged."""
    if not before["office"]:
        return False
    if "change" in after:
        return after["change"] == MayorChange.CORRECTION
    return after["name"] == before["name"]


def _mayor_rows(title: str, old: dict, new: dict) -> list["Row"]:
    since = gettext("In office since")
    if not is_mayor_correction(old, new):
        return [
            Row(title, gettext("Name of the new mayor"), old["name"], new["name"]),
            Row(title, since, _since_text(old), _date_text(new["start_on"])),
        ]
    rows = []
    if old["name"] != new["name"]:
        label = gettext("Name, spelling corrected")
        rows.append(Row(title, label, old["name"], new["name"]))
    if old["start_on"] != new["start_on"]:
        rows.append(Row(title, since, _since_text(old), _date_text(new["start_on"])))
    return rows


def _field_label(name: str) -> str:
    return str(CityContact._meta.get_field(name).verbose_name)


def change_rows(before: dict, after: dict) -> list[Row]:
    """The before/after table of a request: only what it changes, by section."""
    rows = []
    for section, title in SECTIONS.items():
        if section not in after:
            continue
        old, new = before[section], after[section]
        title = str(title)
        if section == "names":
            old_pairs = {tuple(pair) for pair in old}
            new_pairs = {tuple(pair) for pair in new}
            for language, name in sorted(old_pairs | new_pairs):
                if (language, name) in old_pairs and (language, name) in new_pairs:
                    continue
                label = gettext("Name in %(language)s") % {"language": language}
                kept = (language, name) in old_pairs
                rows.append(
                    Row(title, label, name if kept else "", "" if kept else name)
                )
        elif section == "coordinates":
            for field, label in (
                ("latitude", gettext("Latitude")),
                ("longitude", gettext("Longitude")),
            ):
                if old[field] != new[field]:
                    rows.append(Row(title, label, old[field] or "", new[field] or ""))
        elif section == "mayor":
            rows += _mayor_rows(title, old, new)
        else:
            for field in CONTACT_FIELDS:
                if old[field] != new[field]:
                    rows.append(Row(title, _field_label(field), old[field], new[field]))
    return rows


def section_titles(after: dict) -> list[str]:
    return [str(title) for section, title in SECTIONS.items() if section in after]
