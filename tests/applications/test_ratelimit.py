import datetime

from django.test import RequestFactory, SimpleTestCase, TestCase
from django.utils import timezone

from applications.models import RateLimitHit
from applications.ratelimit import Rate, RateLimit, RateLimited, client_address

HOUR = datetime.timedelta(hours=1)
DAY = datetime.timedelta(days=1)


class RateLimitTests(TestCase):
    def setUp(self):
        self.limit = RateLimit("test", Rate(3, HOUR), Rate(5, DAY))
        self.start = timezone.now()

    def at(self, **delta):
        return self.start + datetime.timedelta(**delta)

    def test_refuses_past_the_hourly_rate_until_the_oldest_hit_leaves_it(self):
        for minutes in (0, 10, 20):
            self.limit.consume("192.0.2.1", now=self.at(minutes=minutes))
        with self.assertRaises(RateLimited) as limited:
            self.limit.consume("192.0.2.1", now=self.at(minutes=30))
        self.assertEqual(limited.exception.retry_after, datetime.timedelta(minutes=30))
        self.assertEqual(limited.exception.retry_after_minutes, 30)
        self.limit.consume("192.0.2.1", now=self.at(minutes=61))

    def test_refused_attempts_are_not_counted(self):
        for minutes in (0, 1, 2):
            self.limit.consume("192.0.2.1", now=self.at(minutes=minutes))
        for _ in range(3):
            with self.assertRaises(RateLimited):
                self.limit.consume("192.0.2.1", now=self.at(minutes=5))
        self.assertEqual(RateLimitHit.objects.count(), 3)

    def test_refuses_past_the_daily_rate(self):
        for hours in (0, 2, 4, 6, 8):
            self.limit.consume("192.0.2.1", now=self.at(hours=hours))
        with self.assertRaises(RateLimited) as limited:
            self.limit.consume("192.0.2.1", now=self.at(hours=10))
        self.assertEqual(limited.exception.retry_after, datetime.timedelta(hours=14))
        self.limit.consume("192.0.2.1", now=self.at(hours=24, seconds=1))

    def test_clients_and_scopes_counted_apart(self):
        other_scope = RateLimit("other", Rate(1, HOUR))
        for _ in range(3):
            self.limit.consume("192.0.2.1", now=self.start)
        self.limit.consume("192.0.2.2", now=self.start)
        other_scope.consume("192.0.2.1", now=self.start)

    def test_stores_a_keyed_hash_never_the_address(self):
        self.limit.consume("192.0.2.1", now=self.start)
        hit = RateLimitHit.objects.get()
        self.assertNotIn("192.0.2", hit.key)
        self.assertEqual(len(hit.key), 64)

    def test_old_hits_are_purged(self):
        self.limit.consume("192.0.2.1", now=self.start)
        self.limit.consume("192.0.2.2", now=self.at(days=2))
        self.assertEqual(RateLimitHit.objects.count(), 1)

    def test_check_counts_nothing(self):
        self.limit.check("192.0.2.1")
        self.assertFalse(RateLimitHit.objects.exists())


class ClientAddressTests(SimpleTestCase):
    def address(self, remote):
        return client_address(RequestFactory().get("/", REMOTE_ADDR=remote))

    def test_ipv4_as_is(self):
        self.assertEqual(self.address("192.0.2.1"), "192.0.2.1")

    def test_ipv6_counted_by_its_64(self):
        self.assertEqual(self.address("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64")
        self.assertEqual(
            self.address("2001:db8:1:2:aaaa::1"), self.address("2001:db8:1:2:bbbb::9")
        )

    def test_ipv4_mapped_ipv6_is_the_ipv4_client(self):
        self.assertEqual(self.address("::ffff:192.0.2.1"), "192.0.2.1")
