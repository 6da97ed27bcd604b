"""Whole-page caching for public pages, keyed on the registry's version.

Every table of the cities and summits apps carries a statement-level trigger
that bumps RegistryVersion.number, so a page cached under one version is never
served after any write, including bulk updates and raw SQL. The key also holds
the language, the host and full path, and today's date (figures "today" change at
midnight).
"""

import hashlib
from functools import wraps

from django.core.cache import cache
from django.db import connection
from django.utils import timezone, translation

TRIGGER_FUNCTION = """
CREATE OR REPLACE FUNCTION b40_bump_registry_version() RETURNS trigger AS $$
BEGIN
    UPDATE b40_registryversion SET number = number + 1, changed_at = now()
    WHERE id = 1;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
"""


def install_version_triggers(schema_editor, tables) -> None:
    """Make every write to these tables bump the registry version."""
    schema_editor.execute(TRIGGER_FUNCTION)
    for table in tables:
        schema_editor.execute(
            f'DROP TRIGGER IF EXISTS b40_registry_version ON "{table}";'
            f"CREATE TRIGGER b40_registry_version AFTER INSERT OR UPDATE OR DELETE "
            f'OR TRUNCATE ON "{table}" FOR EACH STATEMENT '
            f"EXECUTE FUNCTION b40_bump_registry_version();"
        )


def registry_tables(apps) -> list[str]:
    """The tables whose contents public pages show: models and their m2m tables."""
    tables = []
    for label in ("cities", "summits"):
        for model in apps.get_app_config(label).get_models():
            if model.__name__.startswith("Historical"):
                continue
            tables.append(model._meta.db_table)
            tables += [
                f.remote_field.through._meta.db_table
                for f in model._meta.local_many_to_many
            ]
    return tables


def registry_version() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT number FROM b40_registryversion WHERE id = 1")
        row = cursor.fetchone()
    return row[0] if row else 0


def cached_page(view):
    """Serve a GET from the cache while the registry has not changed."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD"):
            return view(request, *args, **kwargs)
        # The host too: pages carry absolute addresses (hreflang alternates).
        address = f"{request.get_host()}{request.get_full_path()}"
        path = hashlib.sha256(address.encode()).hexdigest()
        key = ":".join(
            [
                "page",
                str(registry_version()),
                timezone.localdate().isoformat(),
                translation.get_language() or "",
                path,
            ]
        )
        response = cache.get(key)
        if response is None:
            response = view(request, *args, **kwargs)
            if hasattr(response, "render") and callable(response.render):
                response = response.render()
            if response.status_code == 200 and not response.streaming:
                cache.set(key, response, timeout=24 * 3600)
        return response

    return wrapper
