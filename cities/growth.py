"""The network's growth as the ledger records it: the data, its table and its chart.

growth_record() reads the ledger in four queries whatever the number of cities:
the growth series, the joins per date and date precision (to draw imprecise dates
honestly), the summits and meetings, and the counts the network reported.
growth_svg() draws the chart as inline SVG; templates/includes/growth_chart.html
wraps it in a figure with its legend and the equivalent table, and the CSV
download carries the same rows.
"""

import bisect
import datetime
import functools
from collections import defaultdict
from dataclasses import dataclass, field
from html import escape
from urllib.parse import urlsplit

from django.db.models import Count
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, ngettext

from b40.memo import per_language
from b40.queries import Query, Record, precompiled, together
from cities.dates import DatePrecision, format_partial_date, format_partial_span
from cities.directory import event_url
from cities.models import (
    MEMBER_KINDS,
    MembershipStep,
    ReportedCount,
    growth_series_query,
)
from summits.models import Event, EventKind

# The network was founded on 30 November 2021; the chart starts that month.
CHART_START = datetime.date(2021, 11, 1)
MARKED_EVENTS = (EventKind.SUMMIT, EventKind.MEETING, EventKind.SIGNING)
APPROXIMATE = (DatePrecision.MONTH, DatePrecision.YEAR)


def most_precise(precisions) -> str:
    """Of several ways a date is known, the most precise: a day, then a bound."""
    for precision in (
        DatePrecision.DAY,
        DatePrecision.BEFORE,
        DatePrecision.MONTH,
        DatePrecision.YEAR,
    ):
        if precision in precisions:
            return precision
    return DatePrecision.DAY


@dataclass
class Change:
    """The member count after a date on which it changed, and how well the joins
    that changed it are dated."""

    on: datetime.date
    members: int
    before: int
    joins: dict[str, int] = field(default_factory=dict)

    @property
    def bounded(self) -> int:
        """Joins known only to have happened on or before this date."""
        return self.joins.get(DatePrecision.BEFORE, 0)

    @property
    def approximate(self) -> int:
        """Joins known only to the month or the year."""
        return sum(self.joins.get(p, 0) for p in APPROXIMATE)

    @property
    def precision(self) -> str:
        """The date as precisely as the best-dated join on it gives it."""
        return most_precise(self.joins or {DatePrecision.DAY})

    @property
    def marker(self) -> str:
        if self.bounded:
            return "before"
        if self.approximate:
            return "approx"
        return "day"


@dataclass
class Report:
    """A count the network or the press reported, beside the count on record.

    ``count`` is a ReportedCount (the history page's) or a Record of the
    COUNT_COLUMNS (growth_record()'s).
    """

    count: ReportedCount | Record
    on_record: int

    @property
    def date_display(self) -> str:
        return format_partial_date(self.count.on, self.count.precision)

    @property
    def sources(self) -> list[tuple[str, str]]:
        """Each source's address and the site it is on, to name the link;
        numbered where one site gives several."""
        hosts = [urlsplit(url).hostname or url for url in self.count.sources]
        return [
            (
                url,
                f"{host} ({hosts[:i].count(host) + 1})"
                if hosts.count(host) > 1
                else host,
            )
            for i, (url, host) in enumerate(zip(self.count.sources, hosts, strict=True))
        ]


@dataclass
class Mark:
    """A summit or meeting as the chart numbers it."""

    number: int
    event: Record  # of the MARK_COLUMNS

    @property
    def is_summit(self) -> bool:
        return self.event.kind == EventKind.SUMMIT

    @functools.cached_property
    def date_display(self) -> str:
        event = self.event
        return format_partial_span(event.start_on, event.end_on, event.precision)

    @functools.cached_property
    def url(self) -> str:
        """The event's page (the URLconf and the language decide it alone)."""
        return event_url(self.event.slug)


@dataclass
class Row:
    """One date of the table (and of the CSV): what changed, was reported or held."""

    on: datetime.date
    precisions: set = field(default_factory=set)
    members_on_record: int = 0
    change: Change | None = None
    reports: list[Report] = field(default_factory=list)
    marks: list[Mark] = field(default_factory=list)

    # Worked out once the row is complete (growth_record() returns it so).
    @functools.cached_property
    def precision(self) -> str:
        """The date is as precise as the most precise thing dated on it."""
        return most_precise(self.precisions)

    @property
    def date_display(self) -> str:
        return format_partial_date(self.on, self.precision)

    @property
    def change_display(self) -> str:
        if self.change is None:
            return ""
        delta = self.change.members - self.change.before
        return f"{delta:+d}"

    @property
    def notes(self) -> list[str]:
        notes = []
        change = self.change
        if change and change.bounded and self.precision != DatePrecision.BEFORE:
            notes.append(
                ngettext(
                    "%(n)d join known only as on or before this date",
                    "%(n)d joins known only as on or before this date",
                    change.bounded,
                )
                % {"n": change.bounded}
            )
        elif change and change.bounded:
            notes.append(gettext("counted from this date; may have joined earlier"))
        if change and change.approximate and self.precision == DatePrecision.DAY:
            notes.append(
                ngettext(
                    "%(n)d join known only to the month or year",
                    "%(n)d joins known only to the month or year",
                    change.approximate,
                )
                % {"n": change.approximate}
            )
        return notes


class Series:
    """The member count on record on any date, from growth_series()."""

    def __init__(self, series):
        self.dates = [on for on, _count in series]
        self.counts = [count for _on, count in series]

    def on(self, day: datetime.date) -> int:
        index = bisect.bisect_right(self.dates, day)
        return self.counts[index - 1] if index else 0

    def over(self, start: datetime.date, end: datetime.date) -> list[int]:
        """Every count on record from the end of ``start`` to the end of ``end``."""
        first = bisect.bisect_right(self.dates, start)
        last = bisect.bisect_right(self.dates, end)
        return [self.on(start), *self.counts[first:last]]

    @property
    def latest(self) -> int:
        return self.counts[-1] if self.counts else 0


@dataclass
class Growth:
    start: datetime.date
    today: datetime.date
    changes: list[Change]
    reports: list[Report]
    marks: list[Mark]
    rows: list[Row]

    @property
    def members_today(self) -> int:
        return self.changes[-1].members if self.changes else 0

    @property
    def latest_report(self) -> Report | None:
        return self.reports[-1] if self.reports else None

    @property
    def founding_report(self) -> Record | None:
        """The count reported on the day the first members joined: the founders."""
        return next(
            (
                r.count
                for r in self.reports
                if self.first and r.count.on == self.first.on
            ),
            None,
        )

    @property
    def first(self) -> Change | None:
        return self.changes[0] if self.changes else None

    @property
    def has_bounded(self) -> bool:
        return any(change.bounded for change in self.changes)


@precompiled
def _joins(today: datetime.date):
    """The joins (and reinstatements) on each date, by date precision."""
    return (
        MembershipStep.objects.filter(kind__in=MEMBER_KINDS, on__lte=today)
        .values("on", "precision")
        .annotate(n=Count("id"))
        .order_by()
    )


# What the chart, its table and the CSV show of events and reported counts,
# read as records: building model instances cost more than the queries.
MARK_COLUMNS = ("slug", "kind", "name", "start_on", "end_on", "precision")
COUNT_COLUMNS = ("on", "precision", "members", "reported_by", "sources")


@precompiled
def _marked_events(today: datetime.date):
    return (
        Event.objects.filter(kind__in=MARKED_EVENTS, start_on__lte=today)
        .values(*MARK_COLUMNS)
        .order_by("start_on", "id")
    )


@precompiled
def _reported_counts(today: datetime.date):
    return (
        ReportedCount.objects.filter(on__lte=today)
        .values(*COUNT_COLUMNS)
        .order_by("on", "id")
    )


def growth_queries(today: datetime.date) -> list[Query]:
    """The four queries growth_record() reads, for a page to send together()
    with its own."""
    return [
        growth_series_query(),
        _joins(today),
        _marked_events(today).as_records(),
        _reported_counts(today).as_records(),
    ]


def growth_record(
    today: datetime.date | None = None, queries: list[Query] | None = None
) -> Growth:
    """Everything the chart, its table and the CSV show, in four queries sent
    together (or in ``queries``, from growth_queries(today))."""
    today = today or timezone.localdate()
    if queries is None:
        queries = growth_queries(today)
        together(*queries)
    series_query, joins_query, events_query, counts_query = queries
    series = [(on, count) for on, count in series_query if on <= today]
    joins = defaultdict(dict)
    for row in joins_query:
        joins[row["on"]][row["precision"]] = row["n"]
    events = list(events_query)
    counts = list(counts_query)

    start = min([CHART_START, *(on.replace(day=1) for on, _ in series[:1])])
    on_record = Series(series)
    changes, previous = [], 0
    for on, members in series:
        changes.append(Change(on, members, previous, joins.get(on, {})))
        previous = members
    reports = [Report(count, on_record.on(count.on)) for count in counts]
    marks = [
        Mark(number, event)
        for number, event in enumerate(
            (e for e in events if e.start_on >= start), start=1
        )
    ]

    rows: dict[datetime.date, Row] = {}

    def row(on):
        return rows.setdefault(on, Row(on, members_on_record=on_record.on(on)))

    for change in changes:
        r = row(change.on)
        r.change = change
        r.precisions.update(change.joins or {DatePrecision.DAY})
    for report in reports:
        r = row(report.count.on)
        r.reports.append(report)
        r.precisions.add(report.count.precision)
    for mark in marks:
        r = row(mark.event.start_on)
        r.marks.append(mark)
        r.precisions.add(mark.event.precision)
    return Growth(
        start=start,
        today=today,
        changes=changes,
        reports=reports,
        marks=marks,
        rows=sorted(rows.values(), key=lambda r: r.on),
    )


CSV_COLUMNS = (
    "date",
    "precision",
    "members_on_record",
    "reported_members",
    "reported_by",
    "sources",
)


def csv_rows(data: Growth):
    """The table as CSV lines: one a date, or one a report where several share it."""
    yield CSV_COLUMNS
    for r in data.rows:
        base = [r.on.isoformat(), r.precision, r.members_on_record]
        if not r.reports:
            yield [*base, "", "", ""]
        for report in r.reports:
            count = report.count
            yield [*base, count.members, count.reported_by, " ".join(count.sources)]


# Chart geometry, in SVG units. The stylesheet enlarges text and markers on
# narrow screens, so the event rows are spaced for the larger size.
WIDTH = 600
LEFT, RIGHT, TOP = 40, 36, 14
PLOT_HEIGHT = 220
BADGE = 10  # badge radius on a wide screen
BADGE_SPACING = 40  # between badge centres in a row, room to enlarge them
BADGE_ROW = 34  # between rows
BADGE_ROWS = 3  # rows to fill before going back to the first free one
MARKER = 4.5


def _nice_top(value: int) -> int:
    step = 20 if value > 40 else 10
    return max(step, -(-value // step) * step)


@dataclass
class Scale:
    """From dates and member counts to SVG coordinates."""

    start: datetime.date
    end: datetime.date
    top: int
    bottom: float = TOP + PLOT_HEIGHT

    def x(self, day: datetime.date) -> float:
        span = max((self.end - self.start).days, 1)
        return LEFT + (WIDTH - LEFT - RIGHT) * (day - self.start).days / span

    def y(self, members: int) -> float:
        return self.bottom - PLOT_HEIGHT * members / self.top


# The chart's pieces are written with f-strings and joined into one safe
# string: only titles carry text, and they are escaped; format_html() or
# mark_safe() on every piece cost more than the chart.
def _line(css_class, x1, x2, y1, y2) -> str:
    return (
        f'<line class="{css_class}" x1="{x1:.1f}" x2="{x2:.1f}" y1="{y1:.1f}" '
        f'y2="{y2:.1f}"/>'
    )


def _axes(scale: Scale) -> list[str]:
    """Gridlines with the member counts, and the years along the time axis."""
    parts = []
    for value in range(0, scale.top + 1, 20 if scale.top > 40 else 10):
        parts.append(
            _line("growth-grid", LEFT, WIDTH - RIGHT, scale.y(value), scale.y(value))
        )
        parts.append(
            f'<text class="growth-axis" x="{LEFT - 6}" '
            f'y="{scale.y(value) + 4:.1f}" text-anchor="end">{value}</text>'
        )
    for year in range(scale.start.year + 1, scale.end.year + 1):
        x = scale.x(datetime.date(year, 1, 1))
        parts.append(_line("growth-tick", x, x, scale.bottom, scale.bottom + 5))
        parts.append(
            f'<text class="growth-axis" x="{x:.1f}" y="{scale.bottom + 24}" '
            f'text-anchor="middle">{year}</text>'
        )
    return parts


def badge_rows(xs: list[float]) -> list[int]:
    """The row of each event badge below the axis.

    A badge too close to the one before it steps down a row, so numbers read
    in order from top to bottom within a cluster; past BADGE_ROWS it takes the
    first row with room.
    """
    ends: list[float] = []
    rows = []
    row = -1
    for x in xs:

        def free(r, x=x):
            return r == len(ends) or x - ends[r] >= BADGE_SPACING

        crowded = row >= 0 and not free(row)
        row = next(
            r for r in range(row + 1 if crowded else 0, len(ends) + 1) if free(r)
        )
        if row >= BADGE_ROWS:
            row = next(r for r in range(len(ends) + 1) if free(r))
        if row == len(ends):
            ends.append(x)
        ends[row] = x
        rows.append(row)
    return rows


def _events(scale: Scale, marks: list[Mark]) -> tuple[list, list, float]:
    """A dotted line through the plot and a numbered badge for every event,
    and the height the badges need."""
    xs = [scale.x(mark.event.start_on) for mark in marks]
    rows = badge_rows(xs)
    lines, badges = [], []
    for mark, x, row in zip(marks, xs, rows, strict=True):
        y = scale.bottom + 52 + row * BADGE_ROW
        kind = "summit" if mark.is_summit else "meeting"
        lines.append(_line(f"growth-event-line growth-event-{kind}", x, x, TOP, y))
        title = escape(f"{mark.number}. {mark.event.name}, {mark.date_display}")
        badges.append(
            f'<g class="growth-event growth-event-{kind}" '
            f'transform="translate({x:.1f} {y:.1f})"><title>{title}</title>'
            f'<g class="growth-badge"><circle r="{BADGE}"/>'
            f'<text y="4" text-anchor="middle">{mark.number}</text></g></g>'
        )
    height = scale.bottom + 52 + max(rows, default=0) * BADGE_ROW + 22
    return lines, badges, height


def _step_line(scale: Scale, data: Growth) -> list[str]:
    """Flat between changes, rising at each: the rise drawn solid for joins
    dated to the day, dotted for those known to the month or year, dashed for
    those known only as on or before the date."""
    flat = [f"M{scale.x(data.start):.1f} {scale.y(0):.1f}"]
    rises = []
    for change in data.changes:
        x = scale.x(change.on)
        flat.append(f"H{x:.1f}M{x:.1f} {scale.y(change.members):.1f}")
        pieces = [
            ("day", change.joins.get(DatePrecision.DAY, 0)),
            ("approx", change.approximate),
            ("before", change.bounded),
        ]
        if sum(n for _, n in pieces) != change.members - change.before:
            # Withdrawals on the date too: the net change, drawn plain.
            pieces = [("day", change.members - change.before)]
        level = change.before
        for style, n in pieces:
            if n:
                rises.append(
                    _line(
                        f"growth-rise growth-rise-{style}",
                        x,
                        x,
                        scale.y(level),
                        scale.y(level + n),
                    )
                )
                level += n
    flat.append(f"H{scale.x(data.today):.1f}")
    line = f'<path class="growth-line" d="{"".join(flat)}"/>'
    end = (
        f'<text class="growth-end" x="{scale.x(data.today) + 5:.1f}" '
        f'y="{scale.y(data.members_today) + 4:.1f}">{data.members_today}</text>'
    )
    return [line, *rises, end]


def _points(scale: Scale, data: Growth) -> list[str]:
    """A marker for every change on record and every count reported."""
    points = []
    on_record = gettext("%(date)s: %(members)d members on record")
    for change in data.changes:
        title = on_record % {
            "date": format_partial_date(change.on, change.precision),
            "members": change.members,
        }
        points.append(
            _marker(
                f"growth-point growth-point-{change.marker}",
                "square" if change.marker == "approx" else "circle",
                scale.x(change.on),
                scale.y(change.members),
                title,
            )
        )
    reported = gettext(
        "%(members)d members reported by %(by)s, %(date)s (%(on_record)d on "
        "record). Sources: %(sources)s"
    )
    for report in data.reports:
        count = report.count
        title = reported % {
            "members": count.members,
            "by": count.reported_by,
            "date": format_partial_date(count.on, count.precision),
            "on_record": report.on_record,
            "sources": " ".join(count.sources) or "—",
        }
        exact = "" if count.precision == DatePrecision.DAY else " growth-report-approx"
        points.append(
            _marker(
                f"growth-report{exact}",
                "diamond",
                scale.x(count.on),
                scale.y(count.members),
                title,
            )
        )
    return points


def growth_svg(data: Growth, *, id_prefix: str = "growth") -> SafeString:
    """The chart: a step line of members on record, reports and events marked."""
    highest = max(
        [data.members_today, *(c.members for c in data.changes)]
        + [r.count.members for r in data.reports]
    )
    scale = Scale(data.start, data.today, _nice_top(highest))
    event_lines, badges, height = _events(scale, data.marks)
    # Drawn back to front: events behind the line, markers and badges on top.
    parts = [
        *_axes(scale),
        *event_lines,
        *_step_line(scale, data),
        *_points(scale, data),
        *badges,
    ]
    title_id, desc_id = f"{id_prefix}-title", f"{id_prefix}-desc"
    return format_html(
        '<svg class="growth-svg" viewBox="0 0 {} {}" role="img" '
        'aria-labelledby="{} {}" xmlns="http://www.w3.org/2000/svg">'
        '<title id="{}">{}</title><desc id="{}">{}</desc>{}</svg>',
        WIDTH,
        f"{height:.0f}",
        title_id,
        desc_id,
        title_id,
        gettext("Members of the network on record, %(start)s to %(end)s")
        % {
            "start": format_partial_date(data.start, DatePrecision.MONTH),
            "end": format_partial_date(data.today, DatePrecision.DAY),
        },
        desc_id,
        describe(data),
        mark_safe("".join(parts)),
    )


_S = MARKER
MARKER_PATHS = {
    "circle": f"M{-_S} 0a{_S} {_S} 0 1 0 {2 * _S} 0a{_S} {_S} 0 1 0 {-2 * _S} 0Z",
    "square": f"M{-_S} {-_S}h{2 * _S}v{2 * _S}h{-2 * _S}Z",
    "diamond": f"M0 {-1.4 * _S:g}L{1.4 * _S:g} 0L0 {1.4 * _S:g}L{-1.4 * _S:g} 0Z",
}


def _marker(css_class, shape, cx, cy, title) -> str:
    d = MARKER_PATHS[shape]
    return (
        f'<g class="{css_class}" transform="translate({cx:.1f} {cy:.1f})">'
        f'<title>{escape(title)}</title><path class="growth-marker" d="{d}"/></g>'
    )


def describe(data: Growth) -> str:
    """The chart in a few sentences, for its <desc>."""
    sentences = []
    if data.first:
        sentences.append(
            gettext(
                "Members on record rose from %(first)d on %(first_date)s to "
                "%(today)d today."
            )
            % {
                "first": data.first.members,
                "first_date": format_partial_date(data.first.on, DatePrecision.DAY),
                "today": data.members_today,
            }
        )
    else:
        sentences.append(gettext("No membership is on record yet."))
    if data.latest_report:
        count = data.latest_report.count
        sentences.append(
            gettext(
                "The last count reported, by %(by)s on %(date)s, was %(members)d "
                "members, when %(on_record)d were on record."
            )
            % {
                "by": count.reported_by,
                "date": format_partial_date(count.on, count.precision),
                "members": count.members,
                "on_record": data.latest_report.on_record,
            }
        )
    if data.marks:
        sentences.append(
            ngettext(
                "%(n)d summit or meeting is marked.",
                "%(n)d summits and meetings are marked.",
                len(data.marks),
            )
            % {"n": len(data.marks)}
        )
    if data.has_bounded:
        sentences.append(
            gettext(
                "Joins known only as on or before a date are counted from that "
                "date and drawn dashed with a hollow marker."
            )
        )
    sentences.append(gettext("The table that follows gives every figure."))
    return " ".join(sentences)


@functools.cache
def legend_svg(kind: str) -> SafeString:
    """A small sample of one of the chart's symbols, for the legend."""
    samples = {
        "line": '<line class="growth-rise growth-rise-day" x1="2" x2="22" y1="12" '
        'y2="12"/>',
        "day": _marker("growth-point growth-point-day", "circle", 12, 12, ""),
        "approx": '<line class="growth-rise growth-rise-approx" x1="12" x2="12" '
        'y1="24" y2="12"/>'
        + _marker("growth-point growth-point-approx", "square", 12, 8, ""),
        "before": '<line class="growth-rise growth-rise-before" x1="12" x2="12" '
        'y1="24" y2="12"/>'
        + _marker("growth-point growth-point-before", "circle", 12, 8, ""),
        "report": _marker("growth-report", "diamond", 12, 12, ""),
        "summit": '<g class="growth-event growth-event-summit" '
        'transform="translate(12 12)"><circle r="8"/></g>',
        "meeting": '<g class="growth-event growth-event-meeting" '
        'transform="translate(12 12)"><circle r="8"/></g>',
    }
    return format_html(
        '<svg class="growth-legend-sample" viewBox="3 2 18 20" aria-hidden="true" '
        'focusable="false">{}</svg>',
        mark_safe(samples[kind].replace("<title></title>", "")),
    )


# The legend is the same for every chart in a language: written once.
@per_language(maxsize=16)
def legend() -> SafeString:
    """The items of the chart's legend, in the active language."""
    entries = [
        ("line", gettext("members on record")),
        ("day", gettext("joins dated to the day")),
        ("approx", gettext("joins known to the month or year")),
        (
            "before",
            gettext("joins known only as on or before a date, counted from it"),
        ),
        ("report", gettext("count reported by the network or the press")),
        ("summit", gettext("summit (numbered)")),
        ("meeting", gettext("meeting (numbered)")),
    ]
    return mark_safe(
        "".join(
            f"<li>{legend_svg(kind)} {escape(label)}</li>" for kind, label in entries
        )
    )


def table_rows(data: Growth) -> SafeString:
    """The rows of the table that follows the chart (includes/growth_table.html).

    Written here rather than by a template loop: each row nests three loops,
    and the template engine spent more on the table than on the rest of the
    page.
    """
    by = gettext("by %(by)s")
    rows = []
    for row in data.rows:
        notes = "".join(
            f'<span class="growth-note">{escape(note)}</span>' for note in row.notes
        )
        reports = "".join(
            f'<p class="growth-reported"><strong>{report.count.members}</strong> '
            f"{escape(by % {'by': report.count.reported_by})}"
            + "".join(
                f' <a href="{escape(url)}" rel="noopener">{escape(site)}</a>'
                for url, site in report.sources
            )
            + "</p>"
            for report in row.reports
        )
        marks = "".join(
            f'<p class="growth-reported"><span class="growth-number">{mark.number}'
            f'</span> <a href="{escape(mark.url)}">{escape(mark.event.name)}</a></p>'
            for mark in row.marks
        )
        # The counts and the change (a signed number) have nothing to escape.
        rows.append(
            f'<tr>\n      <th scope="row">{escape(row.date_display)}</th>\n'
            f'      <td class="number">{row.members_on_record}</td>\n'
            f'      <td class="number">{row.change_display}{notes}</td>\n'
            f"      <td>{reports}</td>\n      <td>{marks}</td>\n    </tr>"
        )
    return mark_safe("\n    ".join(rows))


def mark_items(data: Growth) -> SafeString:
    """The items of the list of numbered events below the chart: written here,
    like the table's rows, rather than by a template loop of two dozen."""
    return mark_safe(
        "\n    ".join(
            f'<li value="{mark.number}"><a href="{escape(mark.url)}">'
            f"{escape(mark.event.name)}</a>, {escape(mark.date_display)}</li>"
            for mark in data.marks
        )
    )


def chart_context(data: Growth, *, id_prefix: str = "growth") -> dict:
    """What templates/includes/growth_chart.html needs."""
    return {
        "growth": data,
        "growth_svg": growth_svg(data, id_prefix=id_prefix),
        "growth_legend": legend(),
        "growth_id": id_prefix,
        "growth_table_rows": table_rows(data),
        "growth_mark_items": mark_items(data),
    }
