"""Time the figures derived from the membership ledger, at 10,000 cities.

Run from the project directory, on the embedded PostgreSQL:

    env -u DATABASE_URL .venv/bin/python -m b40.embedded_postgres run -- \\
        python bench/ledger.py

or against any server with DATABASE_URL set (its user must be able to create
databases). The script creates a scratch database ``b40_bench`` on that server
(dropping one left over from an earlier run), migrates it, builds the cities
with about five ledger steps each, and times

- members on a date: ``City.objects.members(as_of=d)``, evaluated as a list of
  cities, as rows (id, name, status) and as a count;
- status of one city: ``City.objects.with_status(d).get(pk=...)``;
- growth series: ``MembershipStep.objects.growth_series()``;

each the median of --runs runs after a warm-up, with the number of SQL queries
it takes, beside one city fetched by primary key as the baseline. The list of
members is also set beside a plain list of as many cities, which shows what
building the model instances costs whatever the query. Targets: one query
each; members on a date and the growth series under 50 ms. The scratch
database is dropped at the end unless ``--keep`` is given; ``--explain`` prints
each query's plan.
"""

import argparse
import datetime
import os
import random
import secrets
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg

BASE_DIR = Path(__file__).resolve().parent.parent
SCRATCH_DATABASE = "b40_bench"
ISTANBUL_SUMMIT = datetime.date(2021, 11, 30)
AS_OF = datetime.date(2025, 6, 1)
WARM_UP_RUNS = 3
COUNTRIES = ["AL", "BA", "BG", "GR", "HR", "ME", "MK", "RO", "RS", "SI", "TR", "XK"]


def with_database(url: str, database: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{database}"))


def drop_database(url: str) -> None:
    with psycopg.connect(with_database(url, "postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{SCRATCH_DATABASE}" WITH (FORCE)')


def create_database(url: str) -> None:
    drop_database(url)
    with psycopg.connect(with_database(url, "postgres"), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{SCRATCH_DATABASE}"')


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = with_database(url, SCRATCH_DATABASE)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "b40.settings")
    # Timed as in production: DEBUG off, so Django keeps no log of queries.
    os.environ["DJANGO_DEBUG"] = "0"
    os.environ.setdefault("DJANGO_SECRET_KEY", secrets.token_urlsafe(50))
    sys.path.insert(0, str(BASE_DIR))

    import django

    django.setup()


def random_ledger(rng: random.Random, city) -> list:
    """About five steps in a realistic order: most invited cities join, some
    members are suspended and reinstated, some withdraw and some of those rejoin."""
    from cities.dates import DatePrecision, normalise
    from cities.models import STATUS_OF_KIND, MembershipKind, MembershipStatus
    from cities.models import MembershipStep as Step

    kind = MembershipKind
    next_steps = {
        MembershipStatus.NONE: [
            (kind.INVITED, 8),
            (kind.CANDIDATE, 1),
            (kind.JOINED, 1),
        ],
        MembershipStatus.INVITED: [
            (kind.JOINED, 7),
            (kind.CANDIDATE, 2),
            (kind.WITHDRAWN, 1),
        ],
        MembershipStatus.CANDIDATE: [(kind.JOINED, 8), (kind.WITHDRAWN, 2)],
        MembershipStatus.MEMBER: [(kind.SUSPENDED, 5), (kind.WITHDRAWN, 5)],
        MembershipStatus.SUSPENDED: [(kind.REINSTATED, 8), (kind.WITHDRAWN, 2)],
        MembershipStatus.WITHDRAWN: [
            (kind.INVITED, 3),
            (kind.CANDIDATE, 2),
            (kind.JOINED, 5),
        ],
    }
    precisions = [DatePrecision.DAY] * 16 + [
        DatePrecision.MONTH,
        DatePrecision.MONTH,
        DatePrecision.YEAR,
        DatePrecision.BEFORE,
    ]
    founder = rng.random() < 0.02
    status, steps = MembershipStatus.NONE, []
    on = (
        ISTANBUL_SUMMIT
        if founder
        else ISTANBUL_SUMMIT + datetime.timedelta(days=rng.randint(-200, 1300))
    )
    for number in range(rng.randint(3, 7)):
        if founder and number == 0:
            step_kind, precision = kind.JOINED, DatePrecision.DAY
        else:
            choices, weights = zip(*next_steps[status], strict=True)
            step_kind = rng.choices(choices, weights)[0]
            precision = rng.choice(precisions)
            on += datetime.timedelta(days=rng.randint(1, 300))
        stored = normalise(on, precision)
        if steps and stored <= steps[-1].on:
            stored, precision = on, DatePrecision.DAY
        first_join = step_kind == kind.JOINED and not any(
            step.kind == kind.JOINED for step in steps
        )
        steps.append(
            Step(
                city=city,
                kind=step_kind,
                on=stored,
                precision=precision,
                founding=(stored == ISTANBUL_SUMMIT) if first_join else None,
            )
        )
        status = STATUS_OF_KIND[step_kind]
    return steps


def build(cities: int, seed: int = 40) -> int:
    """Create the cities and their ledgers; return the number of steps."""
    from django.db import connection

    from cities.models import City, MembershipStep
    from cities.services import membership_sequence_validate

    rng = random.Random(seed)
    created = City.objects.bulk_create(
        (
            City(
                slug=f"city-{number}",
                name=f"City {number}",
                country=rng.choice(COUNTRIES),
                latitude=round(rng.uniform(35, 47), 5),
                longitude=round(rng.uniform(13, 30), 5),
            )
            for number in range(cities)
        ),
        batch_size=2000,
    )
    steps = []
    for city in created:
        ledger = random_ledger(rng, city)
        membership_sequence_validate(ledger)
        steps.extend(ledger)
    MembershipStep.objects.bulk_create(steps, batch_size=5000)
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM ANALYZE {City._meta.db_table}")
        cursor.execute(f"VACUUM ANALYZE {MembershipStep._meta.db_table}")
    return len(steps)


def measure(run, runs: int) -> tuple[float, float, int]:
    """Median and fastest milliseconds of ``runs`` runs, and the queries of one."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        run()
    for _ in range(WARM_UP_RUNS):
        run()
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        run()
        timings.append((time.perf_counter() - start) * 1000)
    return statistics.median(timings), min(timings), len(queries)


def explain(run) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        run()
    with connection.cursor() as cursor:
        for query in queries.captured_queries:
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {query['sql']}")
            print("\n".join(row[0] for row in cursor.fetchall()), end="\n\n")


def benchmark(cities: int, runs: int, show_plans: bool) -> None:
    from django.core.management import call_command

    from cities.models import City, MembershipStep

    started = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    steps = build(cities)
    print(
        f"{SCRATCH_DATABASE}: {cities:,} cities, {steps:,} ledger steps "
        f"(migrated and built in {time.perf_counter() - started:.1f} s)"
    )
    one_city = City.objects.order_by("pk")[cities // 2]
    members = City.objects.members(as_of=AS_OF).count()
    series = MembershipStep.objects.growth_series()
    print(
        f"as of {AS_OF}: {members:,} members; growth series of {len(series):,} "
        f"dates, ending at {series[-1][1]:,} members\n"
    )

    figures = [
        ("baseline: one city by pk", lambda: City.objects.get(pk=one_city.pk)),
        ("members on a date (list)", lambda: list(City.objects.members(as_of=AS_OF))),
        (
            "  reference: as many cities",
            lambda: list(City.objects.order_by("name")[:members]),
        ),
        (
            "members on a date (rows)",
            lambda: list(
                City.objects.members(as_of=AS_OF).values_list("pk", "name", "status")
            ),
        ),
        (
            "members on a date (count)",
            lambda: City.objects.members(as_of=AS_OF).count(),
        ),
        (
            "status of one city",
            lambda: City.objects.with_status(AS_OF).get(pk=one_city.pk),
        ),
        ("growth series", MembershipStep.objects.growth_series),
    ]
    print(
        f"{'figure':<28}{'queries':>8}{'median ms':>11}{'min ms':>9}{'x baseline':>12}"
    )
    baseline = None
    for label, run in figures:
        median, fastest, queries = measure(run, runs)
        baseline = baseline or median
        print(
            f"{label:<28}{queries:>8}{median:>11.2f}{fastest:>9.2f}"
            f"{median / baseline:>12.1f}"
        )
    if show_plans:
        for label, run in figures[1:]:
            print(f"\n== {label}")
            explain(run)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cities", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument(
        "--explain", action="store_true", help="print each query's plan"
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the scratch database afterwards"
    )
    args = parser.parse_args(argv)
    url = os.environ.get("DATABASE_URL")
    if not url:
        parser.error(
            "DATABASE_URL is not set; run through "
            "`python -m b40.embedded_postgres run -- python bench/ledger.py`"
        )
    create_database(url)
    try:
        setup_django(url)
        benchmark(args.cities, args.runs, args.explain)
    finally:
        from django.conf import settings
        from django.db import connections

        if settings.configured:
            connections.close_all()
        if not args.keep:
            drop_database(url)
    return 0


if __name__ == "__main__":
    sys.exit(main())
