"""Browser tests: the real site in Debian's Chromium, driven by Playwright.

The site is pytest-django's ``live_server`` (a threaded server in this process)
on the test database, which holds the real B40 record. Loading that record takes
seconds, so it is loaded once per module, not once per test, and each test gets
it back through Django's *serialized rollback*:

- the ``record`` fixture (module scope) loads it with ``load_b40`` and
  serializes the whole database to JSON, which it installs as the connection's
  ``_test_serialized_contents``, the snapshot Django restores for tests with
  ``serialized_rollback=True``;
- every test is ``django_db(transaction=True, serialized_rollback=True)``, so
  before it Django restores that snapshot and after it flushes the tables, as
  for any ``TransactionTestCase``: no test sees another's writes;
- after the module the original snapshot (the migrated database) is put back,
  so the tests that follow find the database as migrations left it.

Restoring the snapshot takes about two seconds where loading takes five, so
the tests are few and long: each follows a whole journey, or visits every page
in one language.

Playwright's sync API keeps an asyncio event loop marked as running in this
thread from its start to the end of the session. Django's ORM then refuses to
run (SynchronousOnlyOperation) unless DJANGO_ALLOW_ASYNC_UNSAFE is set, also in
the tests that run after these (hence set on import, not in a fixture), and it
keeps this thread's connection in a context variable instead of a thread
local: a connection opened before Playwright started is another object than
the one the tests use. So everything here that touches the database in this
thread comes after the ``playwright`` fixture.
"""

import os
from io import StringIO
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path(os.environ.get("B40_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}
SCREENSHOTS = settings.BASE_DIR / "var" / "screenshots"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Launch Debian's Chromium: Playwright's own browser download cannot work
    here. A missing Chromium fails every browser test; it never skips them."""
    if not CHROMIUM.exists():
        pytest.fail(
            f"Chromium not found at {CHROMIUM}. The browser tests need Debian's "
            "chromium: `apt-get install -y chromium` (.ci/run installs it), or "
            "deselect them with -m 'not browser'.",
            pytrace=False,
        )
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "args": CHROMIUM_ARGS,
        "headless": True,
    }


@pytest.fixture(scope="module", autouse=True)
def record(django_db_setup, django_db_blocker, playwright):
    """Load the real record once for the module; see the module docstring."""
    # After Playwright starts, so that this fixture and the tests share one
    # connection object (see the module docstring).
    with django_db_blocker.unblock():
        migrated = getattr(connection, "_test_serialized_contents", None)
        restore(migrated)
        call_command("load_b40", stdout=StringIO())
        connection._test_serialized_contents = (
            connection.creation.serialize_db_to_string()
        )
        yield
        if migrated is None:
            del connection._test_serialized_contents
        else:
            connection._test_serialized_contents = migrated
        restore(migrated)
        # Else it stays open past the end of the session, and the test
        # database cannot be dropped.
        connection.close()


def restore(snapshot: str | None) -> None:
    """Empty every table, then put back the snapshot if there is one."""
    # As TransactionTestCase does with serialized_rollback: no post_migrate,
    # whose new content types would clash with the snapshot's.
    call_command(
        "flush",
        interactive=False,
        verbosity=0,
        inhibit_post_migrate=snapshot is not None,
    )
    if snapshot is not None:
        connection.creation.deserialize_db_from_string(snapshot)


@pytest.fixture
def context(context):
    """Fail the test if any page asks for anything not on this machine.

    The listener sees every request of the context, subresources included;
    the route also refuses such a request, so nothing leaves even then."""
    outside = []

    def note(request):
        if leaves_machine(request.url):
            outside.append(request.url)

    def refuse_outside(route):
        if leaves_machine(route.request.url):
            route.abort("blockedbyclient")
        else:
            route.continue_()

    context.set_default_timeout(10_000)
    context.on("request", note)
    context.route("**/*", refuse_outside)
    yield context
    if outside:
        pytest.fail(
            "Requests left localhost: " + ", ".join(sorted(set(outside))),
            pytrace=False,
        )


def leaves_machine(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in {"http", "https", "ws", "wss"} and (
        parts.hostname not in LOCAL_HOSTS
    )


@pytest.fixture
def site(live_server):
    """The live server's address; screenshots may be written."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return live_server.url


# axe-core's findings by page, printed at the end of the run.
AXE_RESULTS = {}


def pytest_terminal_summary(terminalreporter):
    if not AXE_RESULTS:
        return
    terminalreporter.section("axe-core (serious and critical fail the test)")
    for page, violations in sorted(AXE_RESULTS.items()):
        if violations:
            found = ", ".join(
                f"{rule} ({impact}, {nodes} nodes)"
                for rule, impact, nodes in violations
            )
        else:
            found = "no violations"
        terminalreporter.write_line(f"{page}: {found}")
