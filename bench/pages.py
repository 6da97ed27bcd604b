"""Requests per second for the public pages under gunicorn, beside a minimal view.

Run from the project directory, on the embedded PostgreSQL:

    env -u DATABASE_URL .venv/bin/python -m b40.embedded_postgres run -- \\
        python bench/pages.py

or against any server with DATABASE_URL set (its user must be able to create
databases). The script creates a scratch database ``b40_pages`` on that server
(dropping one left over from an earlier run), migrates it, loads the real
record, analyses it, and starts gunicorn with one sync worker on a free localhost port,
DEBUG off, serving the project plus a view that returns "ok" (see
bench/minimal_settings.py): pages and baseline are served by the same process in
the same run. It then times home, the directory and a city page, each

- cached: the same address again and again, as the page cache serves it;
- uncached: a new query string each request (``?nocache=N``), which the page
  cache keys on, so each request runs the view: its queries (every one goes
  to PostgreSQL) and its templates. What each process works out once and
  keeps is warm, as it is in production after the first request: compiled
  templates, the SQL of the precompiled querysets (b40.queries) and the
  statements PostgreSQL has prepared for them on the worker's connection,
  URLs, country names, labels and dates per language, the main navigation
  per language and current link, and the region map's label layout,
  memoized on the exact positions and names it places. Each of these is
  keyed on all it depends on (a date and its precision, a name, a
  position), so none can be stale; no rendered page, no part of one drawn
  from the records and no query result is kept between requests;

with a keep-alive HTTP client on this machine. Each measurement times the
page between two runs of the minimal view and divides: on a shared machine
the minimal view's own rate moved between 1,390 and 1,890 requests a second
from one run to the next, and both sides of a ratio measured in the same few
seconds move alike. It prints, for each page and mode, the median of --rounds
such rounds (the rounds interleaved) in requests per second, the ratio, and
the minimal view's rate beside it. Targets: cached at least 0.5, uncached at least 0.1.
A run of the page stops at --requests requests or after --seconds, a run of
the minimal view after a third of --seconds. The scratch database is dropped
at the end unless --keep is given.
"""

import argparse
import http.client
import itertools
import os
import secrets
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg

BASE_DIR = Path(__file__).resolve().parent.parent
SCRATCH_DATABASE = "b40_pages"
PAGES = [("home", "/"), ("directory", "/members/"), ("city", "/members/sofia/")]
BASELINE = ("minimal view", "/minimal/")
TARGETS = {"cached": 0.5, "uncached": 0.1}


def with_database(url: str, database: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{database}"))


def recreate_database(url: str, database: str, drop_only: bool = False) -> None:
    with psycopg.connect(with_database(url, "postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        if not drop_only:
            conn.execute(f'CREATE DATABASE "{database}"')


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_environment(url: str, database: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": with_database(url, database),
        "DJANGO_SETTINGS_MODULE": "bench.minimal_settings",
        # As in production: DEBUG off, so no query log and no debug toolbar cost.
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
    }


def prepare(env: dict[str, str]) -> None:
    manage = [sys.executable, str(BASE_DIR / "manage.py")]
    subprocess.run([*manage, "migrate", "--noinput", "-v0"], env=env, check=True)
    subprocess.run([*manage, "load_b40"], env=env, check=True, capture_output=True)
    # With statistics, as autovacuum soon gives any database in service: a
    # fresh one is planned on guesses, until autovacuum (if the server runs it)
    # analyses it halfway through the run.
    with psycopg.connect(env["DATABASE_URL"], autocommit=True) as conn:
        conn.execute("ANALYZE")


def start_gunicorn(env: dict[str, str], port: int) -> subprocess.Popen:
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "--workers=1",
            "--worker-class=sync",
            f"--bind=127.0.0.1:{port}",
            "--log-level=warning",
            "b40.wsgi:application",
        ],
        cwd=BASE_DIR,
        env=env,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            get(http.client.HTTPConnection("127.0.0.1", port, timeout=10), "/minimal/")
            return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit("gunicorn did not answer within 30 s")


def get(conn: http.client.HTTPConnection, path: str) -> int:
    """GET path and return the size of the body; anything but 200 stops the run."""
    conn.request("GET", path)
    response = conn.getresponse()
    body = response.read()
    if response.status != 200:
        raise SystemExit(f"GET {path}: HTTP {response.status}")
    return len(body)


@dataclass
class Pairs:
    """One round of one page in one mode, timed against the minimal view."""

    page_rps: float
    minimal_rps: float

    @property
    def ratio(self) -> float:
        return self.page_rps / self.minimal_rps


def rate(conn, paths, requests: int | None, seconds: float) -> float:
    """Requests per second for GETs of the paths one after another: `requests`
    of them (or no limit), or as many as fit in `seconds`."""
    start = time.perf_counter()
    done = 0
    while (requests is None or done < requests) and (
        time.perf_counter() - start < seconds
    ):
        get(conn, next(paths))
        done += 1
    return done / (time.perf_counter() - start)


def paired(port: int, path: str, requests: int, seconds: float, uncached: bool):
    """The page timed between two runs of the minimal view, each a third of
    `seconds` long, so that the two sides of the ratio are measured in the
    same few seconds: a slow spell of the machine slows both alike."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    separator = "&" if "?" in path else "?"
    get(conn, path)  # warm: the page cache holds the plain address
    pages = (
        f"{path}{separator}nocache={n}-{time.time()}" if uncached else path
        for n in itertools.count()
    )
    minimal = itertools.repeat(BASELINE[1])
    before = rate(conn, minimal, None, seconds / 3)
    page = rate(conn, pages, requests, seconds)
    after = rate(conn, minimal, None, seconds / 3)
    conn.close()
    return Pairs(page, (before + after) / 2)


def measure(port: int, requests: int, seconds: float, rounds: int) -> dict:
    """Each page and mode over the rounds (interleaved), as its median round."""
    results: dict[tuple[str, str], list[Pairs]] = {}
    for _ in range(rounds):
        for name, path in PAGES:
            for mode in TARGETS:
                pairs = paired(port, path, requests, seconds, mode == "uncached")
                results.setdefault((name, mode), []).append(pairs)
    return {
        key: sorted(rounds, key=lambda pairs: pairs.ratio)[len(rounds) // 2]
        for key, rounds in results.items()
    }


def report(results: dict, port: int) -> bool:
    header = (
        f"{'cached rps':>12}{'ratio':>8}{'uncached rps':>15}{'ratio':>8}"
        f"{'minimal rps':>13}"
    )
    print(f"\n{'page':<11}{header}{'KB':>6}")
    met = True
    for name, path in PAGES:
        cells = []
        for mode, target in TARGETS.items():
            pairs = results[name, mode]
            met = met and pairs.ratio >= target
            mark = "" if pairs.ratio >= target else "!"
            cells.append(f"{pairs.page_rps:>{12 if mode == 'cached' else 15}.0f}")
            cells.append(f"{pairs.ratio:>7.2f}{mark or ' '}")
        minimal = results[name, "uncached"].minimal_rps
        size = get(http.client.HTTPConnection("127.0.0.1", port), path) / 1024
        print(f"{name:<11}{''.join(cells)}{minimal:>13.0f}{size:>6.0f}   {path}")
    targets = ", ".join(f"{mode} >= {target}" for mode, target in TARGETS.items())
    print(f"\nTargets (ratio to the minimal view): {targets}.", end=" ")
    print("All met." if met else "Not met where marked !.")
    return met


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument(
        "--database",
        default=SCRATCH_DATABASE,
        help=f"the scratch database (default {SCRATCH_DATABASE}), so that runs "
        "on one server do not clash",
    )
    parser.add_argument("--keep", action="store_true", help="keep the database")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL")
    if not url:
        parser.error("DATABASE_URL is not set; run through b40.embedded_postgres")

    recreate_database(url, args.database)
    env = server_environment(url, args.database)
    print(f"Loading the record into {args.database}...", flush=True)
    prepare(env)
    port = free_port()
    server = start_gunicorn(env, port)
    try:
        print(
            f"gunicorn, 1 sync worker, 127.0.0.1:{port}; the median of "
            f"{args.rounds} rounds of {args.requests} requests or {args.seconds:g} s",
            flush=True,
        )
        met = report(measure(port, args.requests, args.seconds, args.rounds), port)
    finally:
        server.terminate()
        server.wait(timeout=30)
        if not args.keep:
            recreate_database(url, args.database, drop_only=True)
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
