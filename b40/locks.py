"""Named locks held by PostgreSQL until the current transaction ends."""

import hashlib

from django.db import connection


def advisory_xact_lock(name: str) -> None:
    """Wait for, then hold, the lock called ``name`` until the transaction ends.

    For work that has no row to lock yet (a serial number to allocate, a city
    not yet on record, a client's attempts): writers of the same name queue.
    """
    digest = hashlib.sha256(name.encode()).digest()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s)",
            [int.from_bytes(digest[:8], "big", signed=True)],
        )
