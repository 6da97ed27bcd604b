"""Limits on how often one client may do something, kept in PostgreSQL.

django-ratelimit and its kind count in the cache, and need Redis or memcached
shared by every process to count right; the registry runs on a fresh machine
with PostgreSQL alone, and Django's local-memory cache counts per process. So
each counted attempt is a row (RateLimitHit) holding a keyed hash of the
client's address, and a transaction-level advisory lock per client makes
check-and-count one step, even for two requests at the same instant.

    APPLY = RateLimit("apply", Rate(3, timedelta(hours=1)), Rate(10, timedelta(days=1)))
    APPLY.consume(client_address(request))   # raises RateLimited when over
"""

import datetime
import ipaddress
import math
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac

from applications.models import RateLimitHit
from b40.locks import advisory_xact_lock


@dataclass(frozen=True)
class Rate:
    """At most ``count`` attempts in any ``period``."""

    count: int
    period: datetime.timedelta


class RateLimited(Exception):
    """The client has used up a rate; it may try again after ``retry_after``."""

    def __init__(self, retry_after: datetime.timedelta):
        super().__init__(f"rate limited; retry after {retry_after}")
        self.retry_after = retry_after

    @property
    def retry_after_seconds(self) -> int:
        return max(1, math.ceil(self.retry_after.total_seconds()))

    @property
    def retry_after_minutes(self) -> int:
        return max(1, math.ceil(self.retry_after.total_seconds() / 60))


def client_address(request) -> str:
    """The address a request came from, as the limit counts it.

    An IPv6 host usually holds a whole /64, so the /64 is the client. Behind a
    reverse proxy REMOTE_ADDR is the proxy's: the proxy must set it (e.g.
    uWSGI/gunicorn behind nginx with the real-IP module), never a header the
    client can forge.
    """
    address = request.META.get("REMOTE_ADDR", "")
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if parsed.version == 4:
        return str(parsed)
    if parsed.ipv4_mapped is not None:
        return str(parsed.ipv4_mapped)
    return str(ipaddress.ip_network(f"{parsed}/64", strict=False))


class RateLimit:
    """Named rates for one action; each client is counted separately."""

    def __init__(self, scope: str, *rates: Rate):
        if not rates:
            raise ValueError("A rate limit needs at least one rate.")
        self.scope = scope
        self.rates = sorted(rates, key=lambda rate: rate.period)

    def key(self, client: str) -> str:
        # Keyed with SECRET_KEY: a plain hash of an IPv4 address is reversed
        # by trying all four billion.
        return salted_hmac(
            f"ratelimit.{self.scope}", client, algorithm="sha256"
        ).hexdigest()

    def consume(self, client: str, *, now: datetime.datetime | None = None) -> None:
        """Count an attempt by ``client``, or raise RateLimited if any rate is
        used up (the refused attempt is not counted)."""
        now = now or timezone.now()
        key = self.key(client)
        with transaction.atomic():
            self._lock(key)
            self.check(client, now=now)
            RateLimitHit.objects.create(scope=self.scope, key=key, at=now)
            # Hits older than the longest period no longer count for anyone.
            RateLimitHit.objects.filter(
                scope=self.scope, at__lt=now - self.rates[-1].period
            ).delete()

    def check(self, client: str, *, now: datetime.datetime | None = None) -> None:
        """Raise RateLimited if ``client`` has used up a rate; count nothing."""
        now = now or timezone.now()
        longest = self.rates[-1].period
        most = max(rate.count for rate in self.rates)
        recent = list(
            RateLimitHit.objects.filter(
                scope=self.scope, key=self.key(client), at__gt=now - longest
            )
            .order_by("-at")
            .values_list("at", flat=True)[:most]
        )
        waits = [
            # The count-th latest hit must leave the period first.
            recent[rate.count - 1] + rate.period - now
            for rate in self.rates
            if len([at for at in recent if at > now - rate.period]) >= rate.count
        ]
        if waits:
            raise RateLimited(max(waits))

    def _lock(self, key: str) -> None:
        """Serialise attempts by one client until the transaction ends."""
        advisory_xact_lock(f"applications.ratelimit:{self.scope}:{key}")
