"""Dates known only to a day, a month, a year, or as an upper bound."""

import datetime

from django.db import models
from django.db.models import Q
from django.utils import formats
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from b40.memo import per_language


class DatePrecision(models.TextChoices):
    DAY = "day", _("exact day")
    MONTH = "month", _("month known")
    YEAR = "year", _("year known")
    BEFORE = "before", _("on or before")


def precision_condition(date_field: str, precision_field: str) -> Q:
    """The stored date is normalised to its precision: the 1st of a month, 1 January."""
    return (
        Q(**{precision_field: DatePrecision.MONTH, f"{date_field}__day": 1})
        | Q(
            **{
                precision_field: DatePrecision.YEAR,
                f"{date_field}__day": 1,
                f"{date_field}__month": 1,
            }
        )
        | Q(**{f"{precision_field}__in": [DatePrecision.DAY, DatePrecision.BEFORE]})
        | Q(**{f"{date_field}__isnull": True})
    )


def format_partial_date(value: datetime.date | None, precision: str) -> str:
    """Show a date no more precisely than it is known, in the active language."""
    if value is None:
        return ""
    return _format(value, precision)


# Pages show the same few dates again and again (the chart, the ledger, every
# city card), and formatting one costs more than rendering the rest of its
# line. The text depends on nothing but the date, its precision and the
# language (formats and translations are fixed for the life of the process),
# so each is worked out once.
@per_language(maxsize=8192)
def _format(value: datetime.date, precision: str) -> str:
    if precision == DatePrecision.YEAR:
        return str(value.year)
    if precision == DatePrecision.MONTH:
        return formats.date_format(value, "YEAR_MONTH_FORMAT")
    shown = formats.date_format(value, "DATE_FORMAT")
    if precision == DatePrecision.BEFORE:
        return gettext("on or before %(date)s") % {"date": shown}
    return shown


def format_partial_span(
    start: datetime.date, end: datetime.date, precision: str
) -> str:
    """An event's dates: from start to end where they are known to the day,
    otherwise the start at the precision known."""
    shown = format_partial_date(start, precision)
    if precision != DatePrecision.DAY or end == start:
        return shown
    return f"{shown} – {format_partial_date(end, precision)}"


def normalise(value: datetime.date, precision: str) -> datetime.date:
    """The stored form of a date at a precision (see precision_condition)."""
    if precision == DatePrecision.MONTH:
        return value.replace(day=1)
    if precision == DatePrecision.YEAR:
        return value.replace(month=1, day=1)
    return value


def format_date_span(start: datetime.date | None, end: datetime.date | None) -> str:
    """Exact dates from ``start`` to ``end``, either of which may be unknown."""
    if start is None and end is None:
        return ""
    if start == end:
        return format_partial_date(start, DatePrecision.DAY)
    first = format_partial_date(start, DatePrecision.DAY) or "?"
    last = format_partial_date(end, DatePrecision.DAY) or "…"
    return f"{first} – {last}"
