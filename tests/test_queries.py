import datetime
import gc
import os
import subprocess
import sys
import threading
import weakref

from django.db import DatabaseError, connection, connections, transaction
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from psycopg import pq

from b40.queries import Query, precompiled, together
from cities.dates import DatePrecision
from cities.models import City, MembershipKind
from tests.factories import (
    CityFactory,
    CityNameFactory,
    EventFactory,
    MembershipStepFactory,
)


@precompiled
def cities_named(prefix):
    return City.objects.filter(name__startswith=prefix).order_by("name")


@precompiled
def city_names(prefix):
    return City.objects.filter(name__startswith=prefix).order_by("name").values("name")


class QueriesTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.sofia = CityFactory(name="Sofia", slug="sofia", country="BG")
        CityFactory(name="Split", slug="split", country="HR")
        CityFactory(name="Tirana", slug="tirana", country="AL")

    def test_precompiled_runs_the_query_every_time(self):
        """The SQL is compiled once; the rows are never kept between calls."""
        self.assertEqual([c.name for c in cities_named("S")], ["Sofia", "Split"])
        CityFactory(name="Skopje", slug="skopje", country="MK")
        with self.assertNumQueries(1):
            names = [c.name for c in cities_named("S")]
        self.assertEqual(names, ["Skopje", "Sofia", "Split"])

    def test_rows_are_instances_dicts_or_records(self):
        (instance,) = cities_named("So")
        self.assertIsInstance(instance, City)
        self.assertEqual(instance.country.code, "BG")
        self.assertEqual(list(city_names("So")), [{"name": "Sofia"}])
        (record,) = city_names("So").as_records()
        self.assertEqual(record.name, "Sofia")
        (bound,) = city_names("So").bind("So%", "Sp%").as_records()
        self.assertEqual(bound.name, "Split")
        with self.assertRaises(TypeError):
            cities_named("So").as_records()  # instances have no values() names

    def test_values_keep_their_names_and_the_rest_is_refused(self):
        @precompiled
        def by_country(code):
            return City.objects.filter(country=code).values("pk", "country", "name")

        self.assertEqual(
            list(by_country("BG")),
            [{"pk": self.sofia.pk, "country": "BG", "name": "Sofia"}],
        )

        @precompiled
        def as_list():
            return City.objects.values_list("name")

        @precompiled
        def prefetching():
            return City.objects.prefetch_related("names")

        for build in (as_list, prefetching):
            with self.subTest(build=build.__name__), self.assertRaises(TypeError):
                build()

    def test_bind_puts_a_value_where_a_placeholder_stood(self):
        @precompiled
        def city(slug):
            return City.objects.filter(slug=slug)

        slug = "\x00slug\x00"
        query = city(slug)
        tirana, sofia = query.bind(slug, "tirana"), query.bind(slug, "sofia")
        self.assertEqual([c.name for c in tirana], ["Tirana"])
        self.assertEqual([c.name for c in sofia], ["Sofia"])
        with self.assertRaises(DatabaseError), transaction.atomic():
            list(query)  # never sent unbound

    def test_together_gives_each_query_its_own_rows_in_one_pipeline(self):
        pipelined = []

        def note_pipeline(execute, sql, params, many, context):
            status = connection.connection.pgconn.pipeline_status
            pipelined.append(status != pq.PipelineStatus.OFF)
            return execute(sql, params, many, context)

        queries = [cities_named("S"), city_names("T"), cities_named("Z")]
        with (
            connection.execute_wrapper(note_pipeline),
            self.assertNumQueries(3),
        ):
            together(*queries)
            rows = [list(query) for query in queries]
        self.assertEqual(pipelined, [True, True, True])
        self.assertEqual([c.name for c in rows[0]], ["Sofia", "Split"])
        self.assertEqual(rows[1], [{"name": "Tirana"}])
        self.assertEqual(rows[2], [])

    def test_a_query_already_read_is_not_sent_again(self):
        first, second = cities_named("S"), cities_named("T")
        list(first)
        with self.assertNumQueries(1):
            together(first, second)
            self.assertEqual([c.name for c in second], ["Tirana"])
            self.assertEqual(len(first.rows), 2)

    def test_a_failing_query_raises_and_rolls_back_like_any_other(self):
        broken = Query("SELECT 1 / 0", [], lambda query: query.fetchall())
        with self.assertRaises(DatabaseError), transaction.atomic():
            together(cities_named("S"), broken)
        self.assertEqual([c.name for c in cities_named("T")], ["Tirana"])


class ConnectionTests(TestCase):
    def test_a_thread_s_connection_is_not_kept_by_the_compiled_queries(self):
        """runserver serves each request on a new thread with its own
        connection; the compiled SQL must not keep that connection alive."""
        kept = []

        def request():
            # Compiled on this thread: arguments no other test uses.
            list(cities_named("Thread"))
            list(city_names("Thread"))
            kept.append(weakref.ref(connections["default"]))
            connections["default"].close()

        thread = threading.Thread(target=request)
        thread.start()
        thread.join()
        gc.collect()
        self.assertIsNone(kept[0]())


class CityPageQueriesTests(TestCase):
    def test_the_city_page_and_the_directory_wait_once_for_their_rows(self):
        """The city page's six queries all select by the slug and go in one
        pipeline; the directory's two go together."""
        city = CityFactory(name="Plovdiv", slug="plovdiv", country="BG")
        CityNameFactory(city=city, language="bg", name="Пловдив")
        MembershipStepFactory(
            city=city,
            kind=MembershipKind.JOINED,
            on=datetime.date(2022, 6, 28),
            precision=DatePrecision.DAY,
            founding=False,
            event=EventFactory(),
        )
        pipelined = []

        def note_pipeline(execute, sql, params, many, context):
            status = connection.connection.pgconn.pipeline_status
            pipelined.append(status != pq.PipelineStatus.OFF)
            return execute(sql, params, many, context)

        with (
            connection.execute_wrapper(note_pipeline),
            CaptureQueriesContext(connection),
        ):
            response = self.client.get("/members/plovdiv/")
        self.assertContains(response, "Пловдив")
        # The registry version first (the page cache), then the page's six.
        self.assertEqual(pipelined, [False, *[True] * 6])

        # The directory sends its page of cities with the countries on record,
        # unless a country asked for must be checked against them first.
        pipelined.clear()
        with connection.execute_wrapper(note_pipeline):
            response = self.client.get("/members/")
        self.assertContains(response, "Plovdiv")
        self.assertEqual(pipelined, [False, True, True])
        pipelined.clear()
        with connection.execute_wrapper(note_pipeline):
            response = self.client.get("/members/?country=bg")
        self.assertContains(response, "Plovdiv")
        self.assertEqual(pipelined, [False, False, False])


class PlannerSettingsTests(TestCase):
    def test_random_page_cost_is_set_for_a_database_that_stays_in_memory(self):
        """Without it, analysed small tables are scanned whole for every city
        in the lists' subqueries (see DATABASE_RANDOM_PAGE_COST)."""
        with connection.cursor() as cursor:
            cursor.execute("SHOW random_page_cost")
            self.assertEqual(cursor.fetchone(), ("1",))

    def test_a_bad_random_page_cost_is_refused_by_name(self):
        env = {**os.environ, "DATABASE_RANDOM_PAGE_COST": "fast"}
        result = subprocess.run(
            [sys.executable, "-c", "import b40.settings"],
            env=env,
            capture_output=True,
            text=True,
        )
        self.assertNotEqual(result.returncode, 0)
        self.assertIn(
            "DATABASE_RANDOM_PAGE_COST must be a positive number, not 'fast'",
            result.stderr,
        )
