import csv
import datetime
import io
import itertools
import re

from django.test import SimpleTestCase, TestCase
from django.urls import reverse

from cities.dates import DatePrecision
from cities.growth import (
    BADGE_SPACING,
    CSV_COLUMNS,
    badge_rows,
    chart_context,
    growth_record,
)
from cities.models import MembershipKind, MembershipStep, ReportedCount
from summits.models import Event, EventKind
from tests.factories import (
    CityFactory,
    EventFactory,
    MembershipStepFactory,
    ReportedCountFactory,
)

day = datetime.date
TODAY = day(2026, 11, 27)


def join(on, precision=DatePrecision.DAY):
    return MembershipStepFactory(on=on, precision=precision, founding=None)


class LedgerTestCase(TestCase):
    """Founders, a join on or before a date, one known to the month, two events
    the chart marks, one it does not, and a count the network reported."""

    @classmethod
    def setUpTestData(cls):
        for _ in range(3):
            MembershipStepFactory()  # founders, 30 Nov 2021
        join(day(2022, 4, 25), DatePrecision.BEFORE)
        join(day(2022, 6, 28))
        join(day(2022, 6, 28), DatePrecision.BEFORE)
        join(day(2022, 9, 1), DatePrecision.MONTH)
        cls.summit = EventFactory(
            kind=EventKind.SUMMIT,
            name="Istanbul Summit",
            start_on=day(2021, 11, 29),
            end_on=day(2021, 11, 30),
        )
        cls.meeting = EventFactory(
            name="Sofia meeting", start_on=day(2022, 6, 28), end_on=day(2022, 6, 28)
        )
        EventFactory(
            kind=EventKind.WORKING_GROUP,
            start_on=day(2022, 9, 13),
            end_on=day(2022, 9, 13),
        )
        cls.report = ReportedCountFactory(
            on=day(2022, 6, 28),
            members=40,
            reported_by="B40 Balkan Cities Network",
            sources=["https://b40.example/history", "https://press.example/sofia"],
        )


class GrowthChartTests(LedgerTestCase):
    def chart(self):
        context = chart_context(growth_record(TODAY))
        return context["growth"], str(context["growth_svg"])

    def test_reads_the_ledger_in_four_queries(self):
        with self.assertNumQueries(4):
            chart_context(growth_record(TODAY))

    def test_draws_a_point_for_every_change_in_the_series(self):
        data, svg = self.chart()
        self.assertEqual(
            [(c.on, c.members) for c in data.changes],
            [
                (day(2021, 11, 30), 3),
                (day(2022, 4, 25), 4),
                (day(2022, 6, 28), 6),
                (day(2022, 9, 1), 7),
            ],
        )
        self.assertEqual(svg.count('class="growth-point '), 4)
        self.assertIn("<title>Nov. 30, 2021: 3 members on record</title>", svg)

    def test_marks_an_on_or_before_join_as_counted_from_its_bound(self):
        _data, svg = self.chart()
        self.assertEqual(svg.count("growth-point-before"), 2)
        # The bounded join of 28 June is the dashed part of that rise, on top
        # of the solid part for the join dated to the day.
        self.assertEqual(svg.count("growth-rise-before"), 2)
        self.assertIn("growth-rise-day", svg)
        self.assertIn("on or before", svg)  # the description says so
        self.assertIn("<title>on or before April 25, 2022: 4 members", svg)

    def test_marks_a_month_known_join_as_approximate(self):
        _data, svg = self.chart()
        self.assertEqual(svg.count("growth-point-approx"), 1)
        self.assertIn("<title>September 2022: 7 members on record</title>", svg)

    def test_marks_summits_and_meetings_but_not_working_groups(self):
        data, svg = self.chart()
        self.assertEqual(
            [m.event.slug for m in data.marks], [self.summit.slug, self.meeting.slug]
        )
        self.assertEqual(svg.count('class="growth-event growth-event-summit"'), 1)
        self.assertEqual(svg.count('class="growth-event growth-event-meeting"'), 1)
        self.assertIn("<title>2. Sofia meeting, June 28, 2022</title>", svg)

    def test_escapes_event_names_in_the_badges_and_the_numbered_list(self):
        Event.objects.filter(pk=self.meeting.pk).update(name="Sofia <b>&</b> co")
        context = chart_context(growth_record(TODAY))
        html = str(context["growth_svg"]) + str(context["growth_mark_items"])
        self.assertIn("<title>2. Sofia &lt;b&gt;&amp;&lt;/b&gt; co, June 28", html)
        self.assertIn(">Sofia &lt;b&gt;&amp;&lt;/b&gt; co</a>, June 28, 2022<", html)
        self.assertNotIn("<b>", html)

    def test_draws_reported_counts_as_diamonds_with_their_sources(self):
        _data, svg = self.chart()
        self.assertEqual(svg.count('class="growth-report"'), 1)
        title = re.search(r'class="growth-report".*?<title>(.*?)</title>', svg)[1]
        self.assertIn("40 members reported by B40 Balkan Cities Network", title)
        self.assertIn("(6 on record)", title)
        self.assertIn("https://press.example/sofia", title)
        self.assertIn('d="M0 -6.3L6.3 0L0 6.3L-6.3 0Z"', svg)  # a diamond

    def test_is_an_accessible_figure(self):
        response = self.client.get(reverse("b40:growth"))
        self.assertContains(response, '<figure class="chart growth-chart"')
        self.assertContains(
            response, 'role="img" aria-labelledby="growth-title growth-desc"'
        )
        self.assertContains(response, '<title id="growth-title">')
        self.assertContains(response, '<desc id="growth-desc">')
        self.assertContains(response, "<figcaption")
        self.assertContains(response, "<table")


class GrowthTableTests(LedgerTestCase):
    def rows(self):
        response = self.client.get(reverse("b40:growth"))
        table = response.content.decode().split("<tbody>")[1].split("</tbody>")[0]
        return [
            [
                " ".join(re.sub(r"<[^>]+>", " ", cell).split())
                for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", tr, re.S)
            ]
            for tr in re.findall(r"<tr>(.*?)</tr>", table, re.S)
        ]

    def test_has_the_chart_figures_at_their_precision(self):
        rows = self.rows()
        by_date = {row[0]: row for row in rows}
        self.assertEqual(
            list(by_date),
            [
                "Nov. 29, 2021",
                "Nov. 30, 2021",
                "on or before April 25, 2022",
                "June 28, 2022",
                "September 2022",
            ],
        )
        self.assertEqual([row[1] for row in rows], ["0", "3", "4", "6", "7"])
        self.assertIn("+2", by_date["June 28, 2022"][2])
        self.assertIn("1 join known only as on or before", by_date["June 28, 2022"][2])
        self.assertIn("40 by B40 Balkan Cities Network", by_date["June 28, 2022"][3])
        self.assertIn("press.example", by_date["June 28, 2022"][3])
        self.assertIn("Sofia meeting", by_date["June 28, 2022"][4])

    def test_links_the_sources_of_reported_counts(self):
        response = self.client.get(reverse("b40:growth"))
        self.assertContains(response, 'href="https://press.example/sofia"')

    def test_downloads_as_csv(self):
        response = self.client.get(reverse("b40:growth-csv"))
        self.assertEqual(response["Content-Type"], "text/csv; charset=utf-8")
        self.assertEqual(
            response["Content-Disposition"], 'attachment; filename="b40-growth.csv"'
        )
        rows = list(csv.reader(io.StringIO(response.content.decode())))
        self.assertEqual(tuple(rows[0]), CSV_COLUMNS)
        self.assertEqual(
            rows[1:],
            [
                ["2021-11-29", "day", "0", "", "", ""],
                ["2021-11-30", "day", "3", "", "", ""],
                ["2022-04-25", "before", "4", "", "", ""],
                [
                    "2022-06-28",
                    "day",
                    "6",
                    "40",
                    "B40 Balkan Cities Network",
                    "https://b40.example/history https://press.example/sofia",
                ],
                ["2022-09-01", "month", "7", "", "", ""],
            ],
        )

    def test_page_links_the_csv(self):
        response = self.client.get(reverse("b40:growth"))
        self.assertContains(response, f'href="{reverse("b40:growth-csv")}"')


class GrowthPageQueryTests(TestCase):
    def add_cities(self, n):
        cities = CityFactory.create_batch(n)
        MembershipStep.objects.bulk_create(
            MembershipStep(
                city=city,
                kind=MembershipKind.JOINED,
                on=day(2022, 1, 1) + datetime.timedelta(days=i),
            )
            for i, city in enumerate(cities)
        )

    def test_query_count_does_not_grow_with_the_cities(self):
        ReportedCountFactory()
        EventFactory()
        for n in (10, 90):
            self.add_cities(n)
            for url in (reverse("b40:growth"), reverse("b40:growth-csv")):
                with self.subTest(cities=n, url=url), self.assertNumQueries(5):
                    self.assertEqual(self.client.get(url).status_code, 200)

    def test_serves_from_the_cache_until_an_edit(self):
        self.add_cities(3)
        url = reverse("b40:growth")
        first = self.client.get(url)
        with self.assertNumQueries(1):  # the registry version
            second = self.client.get(url)
        self.assertEqual(second.content, first.content)
        ReportedCount.objects.create(
            on=day(2023, 3, 1), members=321, reported_by="A newspaper"
        )
        self.assertContains(self.client.get(url), "321 members reported by A newspaper")


class EmptyRecordTests(TestCase):
    def test_draws_an_empty_chart_and_says_so(self):
        response = self.client.get(reverse("b40:growth"))
        self.assertContains(response, "No membership is on record yet.")
        chart = response.content.decode().split("</svg>")[0]
        self.assertNotIn('class="growth-point ', chart)
        self.assertContains(response, "Nothing is on record yet.")
        rows = list(
            csv.reader(
                io.StringIO(self.client.get(reverse("b40:growth-csv")).content.decode())
            )
        )
        self.assertEqual(rows, [list(CSV_COLUMNS)])


class ReportSourceTests(TestCase):
    def test_names_each_source_by_its_site_numbered_when_repeated(self):
        count = ReportedCountFactory(
            sources=[
                "https://b40network.org/history/",
                "https://b40network.org/istanbul-summit/",
                "https://www.example.org/news",
            ]
        )
        (report,) = growth_record(TODAY).reports
        self.assertEqual(
            (report.count.on, report.count.members, report.count.sources),
            (count.on, count.members, count.sources),
        )
        self.assertEqual(
            [name for _url, name in report.sources],
            ["b40network.org (1)", "b40network.org (2)", "www.example.org"],
        )


class BadgeRowTests(SimpleTestCase):
    def test_a_cluster_steps_down_in_order_and_badges_never_crowd_a_row(self):
        xs = [10, 60, 75, 90, 140, 150, 400]
        rows = badge_rows(xs)
        self.assertEqual(rows[:4], [0, 0, 1, 2])  # 60, 75, 90 read top to bottom
        self.assertLessEqual(max(rows), 2)
        for row in set(rows):
            in_row = [x for x, r in zip(xs, rows, strict=True) if r == row]
            gaps = [b - a for a, b in itertools.pairwise(in_row)]
            self.assertTrue(all(gap >= BADGE_SPACING for gap in gaps))
