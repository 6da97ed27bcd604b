"""Load the B40 public record (data/b40/*.csv) into the registry.

The load is one transaction: the first bad row stops it with
``file:line: column: problem`` and nothing of the load is kept. Rows
are matched to records by their natural keys, so loading the same files again
changes nothing, and a changed row updates its record (which its history shows).
Nothing is deleted: records the secretariat added stay.
"""

import csv
import datetime
import decimal
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_slug
from django.db import IntegrityError, transaction
from django.utils.text import slugify
from django_countries import countries
from simple_history.utils import update_change_reason

from cities import services
from cities.dates import DatePrecision
from cities.models import (
    City,
    CityName,
    Confidence,
    MembershipKind,
    MembershipStep,
    Office,
    OfficeRole,
    Person,
    ReportedCount,
)
from cities.search import fold
from summits.models import (
    Declaration,
    DeclarationKind,
    Event,
    EventKind,
    Presidency,
    Signature,
    WorkingGroup,
)

CHANGE_REASON = "load_b40"
FILES = {
    "working_groups.csv": ["slug", "name", "sources"],
    "cities.csv": [
        "slug",
        "name",
        "country",
        "latitude",
        "longitude",
        "names",
        "sources",
        "notes",
    ],
    "events.csv": [
        "slug",
        "kind",
        "name",
        "city",
        "start_on",
        "end_on",
        "precision",
        "host",
        "sources",
        "notes",
    ],
    "declarations.csv": [
        "slug",
        "title",
        "adopted_on",
        "event",
        "kind",
        "summary",
        "sources",
    ],
    "mayors.csv": ["city", "person", "role", "in_office_on", "start_on", "end_on"],
    "membership_events.csv": [
        "city",
        "kind",
        "on",
        "precision",
        "event",
        "founding",
        "confidence",
        "declaration",
        "signatory",
        "signatory_role",
        "sources",
        "notes",
    ],
    "presidencies.csv": [
        "number",
        "city",
        "president",
        "start_on",
        "end_on",
        "sources",
    ],
    "reported_counts.csv": [
        "on",
        "precision",
        "members",
        "countries",
        "reported_by",
        "note",
        "sources",
    ],
}


class LoadError(Exception):
    """A row that cannot be loaded; the message names file, line and column."""


class Row:
    """One CSV row with typed getters that report problems by file, line, column."""

    def __init__(self, filename: str, line: int, data: dict[str, str]):
        self.filename = filename
        self.line = line
        self.data = data

    def error(self, column: str, problem: str) -> LoadError:
        return LoadError(f"{self.filename}:{self.line}: {column}: {problem}")

    def text(self, column: str, *, required: bool = False) -> str:
        value = (self.data.get(column) or "").strip()
        if required and not value:
            raise self.error(column, "is empty")
        return value

    def slug(self, column: str) -> str:
        value = self.text(column, required=True)
        try:
            validate_slug(value)
        except ValidationError:
            raise self.error(column, f"{value!r} is not a slug") from None
        return value

    def date(self, column: str, *, required: bool = True) -> datetime.date | None:
        value = self.text(column, required=required)
        if not value:
            return None
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            raise self.error(column, f"{value!r} is not a date (YYYY-MM-DD)") from None

    def choice(self, column: str, choices, *, default: str | None = None) -> str:
        value = self.text(column, required=default is None) or default
        allowed = [str(choice) for choice in choices.values]
        if value not in allowed:
            raise self.error(column, f"{value!r} is not one of: {', '.join(allowed)}")
        return value

    def precise_date(self, column: str, precision: str) -> datetime.date:
        value = self.date(column)
        if precision == DatePrecision.MONTH and value.day != 1:
            raise self.error(column, f"{value} has month precision: give the 1st")
        if precision == DatePrecision.YEAR and (value.month, value.day) != (1, 1):
            raise self.error(column, f"{value} has year precision: give 1 January")
        return value

    def integer(self, column: str, *, required: bool = True) -> int | None:
        value = self.text(column, required=required)
        if not value:
            return None
        if not (value.isascii() and value.isdigit()):
            raise self.error(column, f"{value!r} is not a whole number")
        return int(value)

    def coordinate(self, column: str, limit: int) -> decimal.Decimal:
        value = self.text(column, required=True)
        try:
            number = decimal.Decimal(value)
        except decimal.InvalidOperation:
            raise self.error(column, f"{value!r} is not a number") from None
        if not number.is_finite():
            raise self.error(column, f"{value!r} is not a number")
        if not -limit <= number <= limit:
            raise self.error(column, f"{value} is outside -{limit} to {limit}")
        return number.quantize(decimal.Decimal("0.00001"))

    def urls(self, column: str) -> list[str]:
        validate = URLValidator()
        urls = self.text(column).split()
        for url in urls:
            try:
                validate(url)
            except ValidationError:
                raise self.error(column, f"{url!r} is not a URL") from None
        return urls

    def founding(self, column: str) -> bool | None:
        value = self.text(column)
        if value not in {"yes", "no", ""}:
            raise self.error(column, f"{value!r} is not yes, no or empty")
        return {"yes": True, "no": False, "": None}[value]

    def ref(self, column: str, known: dict, *, required: bool = True):
        value = self.text(column, required=required)
        if not value:
            return None
        if value not in known:
            raise self.error(column, f"no record with slug {value!r}")
        return known[value]


def read_rows(directory: Path, filename: str) -> list[Row]:
    path = directory / filename
    if not path.exists():
        raise LoadError(f"{filename}: file not found in {directory}")
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in FILES[filename] if c not in (reader.fieldnames or [])]
        if missing:
            raise LoadError(f"{filename}:1: {missing[0]}: missing from the header")
        rows, line = [], 2
        for data in reader:
            rows.append(Row(filename, line, data))
            line = reader.line_num + 1
        return rows


@dataclass
class Report:
    """What a load did, per kind of record."""

    counts: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))

    def add(self, label: str, outcome: str) -> None:
        self.counts[label][outcome] += 1

    @property
    def changed(self) -> bool:
        return any(c["created"] or c["updated"] for c in self.counts.values())

    def lines(self) -> list[str]:
        return [
            f"{label}: "
            + ", ".join(
                f"{c[o]} {o}" for o in ("created", "updated", "unchanged") if c[o]
            )
            for label, c in self.counts.items()
        ]


class Loader:
    def __init__(self, directory: Path):
        self.directory = Path(directory)
        self.report = Report()
        self.people: dict[str, Person] = {}
        self.seen: dict[tuple, int] = {}

    def sync(self, model, row: Row | None, lookup: dict, values: dict):
        """Create the record, or update the fields that differ; never touch others."""
        label = model._meta.verbose_name_plural
        self.check_not_repeated(model, row, lookup)
        obj = model.objects.select_for_update().filter(**lookup).first()
        if obj is not None and getattr(obj, "verified_at", None):
            # The secretariat's review stands over the public record's grading.
            values = {k: v for k, v in values.items() if k != "confidence"}
        try:
            if obj is None:
                obj = model(**lookup, **values)
                obj.full_clean()
                obj._change_reason = CHANGE_REASON
                obj.save()
                outcome = "created"
            else:
                changed = [k for k, v in values.items() if getattr(obj, k) != v]
                if not changed:
                    self.report.add(label, "unchanged")
                    return obj
                for key in changed:
                    setattr(obj, key, values[key])
                obj.full_clean()
                obj._change_reason = CHANGE_REASON
                obj.save(update_fields=changed)
                outcome = "updated"
        except ValidationError as error:
            raise self._row_error(row, error) from None
        except IntegrityError as error:
            raise self._row_error(row, ValidationError(str(error).strip())) from None
        self.report.add(label, outcome)
        return obj

    def check_not_repeated(self, model, row: Row | None, lookup: dict) -> None:
        """Two rows with one key would overwrite each other on every run."""
        values = tuple((k, getattr(v, "pk", v)) for k, v in sorted(lookup.items()))
        key = (model, values)
        if key in self.seen and row is not None:
            raise row.error("row", f"repeats the record of line {self.seen[key]}")
        self.seen[key] = row.line if row else 0

    @staticmethod
    def _row_error(row: Row | None, error: ValidationError) -> LoadError:
        if hasattr(error, "error_dict"):
            column, messages = next(iter(error.message_dict.items()))
            column = "row" if column == "__all__" else column
        else:
            column, messages = "row", error.messages
        problem = " ".join(messages)
        return row.error(column, problem) if row else LoadError(problem)

    def load(self) -> Report:
        rows = {name: read_rows(self.directory, name) for name in FILES}
        with transaction.atomic():
            groups = self.load_working_groups(rows["working_groups.csv"])
            cities = self.load_cities(rows["cities.csv"])
            events = self.load_events(rows["events.csv"], cities, groups)
            declarations = self.load_declarations(rows["declarations.csv"], events)
            self.load_offices(rows["mayors.csv"], cities)
            self.load_ledger(
                rows["membership_events.csv"], cities, events, declarations
            )
            self.load_presidencies(rows["presidencies.csv"], cities)
            self.load_reported_counts(rows["reported_counts.csv"])
        return self.report

    def load_working_groups(self, rows: list[Row]) -> dict[str, WorkingGroup]:
        return {
            row.slug("slug"): self.sync(
                WorkingGroup,
                row,
                {"slug": row.slug("slug")},
                {
                    "name": row.text("name", required=True),
                    "sources": row.urls("sources"),
                },
            )
            for row in rows
        }

    def load_cities(self, rows: list[Row]) -> dict[str, City]:
        known = {}
        for row in rows:
            country = row.text("country", required=True)
            if country not in dict(countries):
                raise row.error("country", f"{country!r} is not a country code")
            city = self.sync(
                City,
                row,
                {"slug": row.slug("slug")},
                {
                    "name": row.text("name", required=True),
                    "country": country,
                    "latitude": row.coordinate("latitude", 90),
                    "longitude": row.coordinate("longitude", 180),
                    "sources": row.urls("sources"),
                    "notes": row.text("notes"),
                },
            )
            for pair in filter(None, row.text("names").split("|")):
                language, sep, name = pair.partition("=")
                if not sep or not language.strip() or not name.strip():
                    raise row.error("names", f"{pair!r} is not language=name")
                self.sync(
                    CityName,
                    row,
                    {"city": city, "language": language.strip(), "name": name.strip()},
                    {},
                )
            known[city.slug] = city
        return known

    def load_events(self, rows, cities, groups) -> dict[str, Event]:
        known = {}
        for row in rows:
            precision = row.choice("precision", DatePrecision, default="day")
            known[row.slug("slug")] = self.sync(
                Event,
                row,
                {"slug": row.slug("slug")},
                {
                    "kind": row.choice("kind", EventKind),
                    "name": row.text("name", required=True),
                    "city": row.ref("city", cities, required=False),
                    "start_on": row.precise_date("start_on", precision),
                    "end_on": row.date("end_on"),
                    "precision": precision,
                    "host": row.text("host"),
                    "sources": row.urls("sources"),
                    "notes": row.text("notes"),
                },
            )
        return known

    def load_declarations(self, rows, events) -> dict[str, Declaration]:
        return {
            row.slug("slug"): self.sync(
                Declaration,
                row,
                {"slug": row.slug("slug")},
                {
                    "title": row.text("title", required=True),
                    "kind": row.choice("kind", DeclarationKind),
                    "adopted_on": row.date("adopted_on"),
                    "event": row.ref("event", events, required=False),
                    "summary": row.text("summary"),
                    "sources": row.urls("sources"),
                },
            )
            for row in rows
        }

    def person(self, row: Row, column: str) -> Person | None:
        name = row.text(column)
        if not name:
            return None
        slug = slugify(fold(name), allow_unicode=True)
        if slug not in self.people:
            self.people[slug] = self.sync(Person, row, {"slug": slug}, {"name": name})
        return self.people[slug]

    def load_offices(self, rows: list[Row], cities) -> None:
        """mayors.csv holds evidence of office on dates: one office per holder."""
        evidence = defaultdict(list)
        for row in rows:
            role = row.choice("role", OfficeRole)
            key = (row.ref("city", cities), row.text("person", required=True), role)
            evidence[key].append(row)
        for (city, _name, role), held in evidence.items():
            first = held[0]
            dates = [row.date("in_office_on", required=False) for row in held]
            dates = [d for d in dates if d]
            sources = []
            for row in held:
                sources += [url for url in row.urls("sources") if url not in sources]
            self.sync(
                Office,
                first,
                {"city": city, "person": self.person(first, "person"), "role": role},
                {
                    "start_on": _first(
                        row.date("start_on", required=False) for row in held
                    ),
                    "end_on": _first(
                        row.date("end_on", required=False) for row in held
                    ),
                    "known_from": min(dates, default=None),
                    "known_until": max(dates, default=None),
                    "sources": sources,
                },
            )

    def load_ledger(self, rows, cities, events, declarations) -> None:
        parsed = []
        for row in rows:
            precision = row.choice("precision", DatePrecision)
            parsed.append(
                (
                    row,
                    {
                        "city": row.ref("city", cities),
                        "kind": row.choice("kind", MembershipKind),
                        "on": row.precise_date("on", precision),
                        "precision": precision,
                        "event": row.ref("event", events, required=False),
                        "founding": row.founding("founding"),
                        "confidence": row.choice("confidence", Confidence),
                        "sources": row.urls("sources"),
                        "notes": row.text("notes"),
                    },
                    row.ref("declaration", declarations, required=False),
                )
            )
        # The ledger service takes a city's steps in date order.
        parsed.sort(key=lambda item: (item[1]["city"].slug, item[1]["on"]))
        for row, values, declaration in parsed:
            if declaration:
                values["signature"] = self.sync(
                    Signature,
                    row,
                    {"declaration": declaration, "city": values["city"]},
                    {
                        "signatory": self.person(row, "signatory"),
                        "signatory_role": row.text("signatory_role"),
                        "on": values["on"],
                        "precision": values["precision"],
                        "event": values["event"],
                        "confidence": values["confidence"],
                        "sources": values["sources"],
                    },
                )
            self.sync_step(row, values)

    def sync_step(self, row: Row, values: dict) -> None:
        label = MembershipStep._meta.verbose_name_plural
        key = {k: values[k] for k in ("city", "kind", "on")}
        self.check_not_repeated(MembershipStep, row, key)
        step = MembershipStep.objects.filter(**key).first()
        if step is not None and step.verified_at:
            values = {k: v for k, v in values.items() if k != "confidence"}
        try:
            if step is None:
                step = services.membership_step_record(**values)
                outcome = "created"
            else:
                changes = {k: v for k, v in values.items() if getattr(step, k) != v}
                if not changes:
                    self.report.add(label, "unchanged")
                    return
                step = services.membership_step_change(step=step, **changes)
                outcome = "updated"
        except ValidationError as error:
            raise self._row_error(row, error) from None
        update_change_reason(step, CHANGE_REASON)
        self.report.add(label, outcome)

    def load_presidencies(self, rows, cities) -> None:
        for row in rows:
            self.sync(
                Presidency,
                row,
                {"number": row.integer("number")},
                {
                    "city": row.ref("city", cities),
                    "president": self.person(row, "president"),
                    "start_on": row.date("start_on"),
                    "end_on": row.date("end_on", required=False),
                    "sources": row.urls("sources"),
                },
            )

    def load_reported_counts(self, rows) -> None:
        for row in rows:
            precision = row.choice("precision", DatePrecision)
            self.sync(
                ReportedCount,
                row,
                {
                    "on": row.precise_date("on", precision),
                    "reported_by": row.text("reported_by", required=True),
                },
                {
                    "precision": precision,
                    "members": row.integer("members"),
                    "countries": row.integer("countries", required=False),
                    "notes": row.text("note"),
                    "sources": row.urls("sources"),
                },
            )


def _first(values):
    return next((v for v in values if v), None)
