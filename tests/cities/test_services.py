import datetime
import threading
import time
from unittest import mock

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.test import TestCase, TransactionTestCase

from cities import services
from cities.dates import DatePrecision
from cities.models import (
    STATUS_OF_KIND,
    City,
    MembershipKind,
    MembershipStatus,
    MembershipStep,
)
from tests.factories import CityFactory, MembershipStepFactory, SignatureFactory

INVITED = MembershipKind.INVITED
CANDIDATE = MembershipKind.CANDIDATE
JOINED = MembershipKind.JOINED
SUSPENDED = MembershipKind.SUSPENDED
REINSTATED = MembershipKind.REINSTATED
WITHDRAWN = MembershipKind.WITHDRAWN

# The lifecycle written out from the network's rules (invitation and application
# come before joining; only a member is suspended and only a suspended member
# reinstated; a member joins again only after withdrawing), not read from the
# service: each row is a ledger so far and whether each step may come next.
LIFECYCLE = """
ledger so far                 invited candidate joined suspended reinstated withdrawn
-                             yes     yes       yes    no        no         no
invited                       no      yes       yes    no        no         yes
candidate                     no      no        yes    no        no         yes
invited candidate             no      no        yes    no        no         yes
joined                        no      no        no     yes       no         yes
invited joined                no      no        no     yes       no         yes
joined suspended              no      no        no     no        yes        yes
joined suspended reinstated   no      no        no     yes       no         yes
joined suspended withdrawn    yes     yes       yes    no        no         no
joined withdrawn              yes     yes       yes    no        no         no
invited withdrawn             yes     yes       yes    no        no         no
joined withdrawn joined       no      no        no     yes       no         yes
"""


def lifecycle_cases():
    """(ledger so far, next step, allowed) for every row and column of LIFECYCLE."""
    header, *rows = LIFECYCLE.strip().splitlines()
    kinds = [MembershipKind(word) for word in header.split()[3:]]
    for row in rows:
        words = row.split()
        answers, ledger = words[-len(kinds) :], words[: -len(kinds)]
        ledger = [] if ledger == ["-"] else [MembershipKind(word) for word in ledger]
        for kind, answer in zip(kinds, answers, strict=True):
            yield ledger, kind, answer == "yes"


def ledger_of(city):
    return list(city.membership_steps.order_by("on", "id").values_list("kind", "on"))


class MembershipLifecycleTests(TestCase):
    first_step_on = datetime.date(2021, 11, 30)
    next_step_on = datetime.date(2024, 1, 1)

    def city_with_ledger(self, kinds):
        city = CityFactory()
        MembershipStep.objects.bulk_create(
            MembershipStep(
                city=city,
                kind=kind,
                on=self.first_step_on + datetime.timedelta(days=100 * number),
            )
            for number, kind in enumerate(kinds)
        )
        return city

    def test_table_covers_every_standing_and_step(self):
        cases = list(lifecycle_cases())
        self.assertEqual({kind for _, kind, _ in cases}, set(MembershipKind))
        standings = {
            STATUS_OF_KIND[ledger[-1]] if ledger else MembershipStatus.NONE
            for ledger, _, _ in cases
        }
        self.assertEqual(standings, set(MembershipStatus))

    def test_allowed_steps_are_recorded(self):
        for ledger, kind, allowed in lifecycle_cases():
            if not allowed:
                continue
            with self.subTest(ledger=" ".join(ledger) or "-", step=kind):
                city = self.city_with_ledger(ledger)
                step = services.membership_step_record(
                    city=city, kind=kind, on=self.next_step_on
                )
                self.assertIsNotNone(step.pk)
                self.assertEqual(ledger_of(city)[-1], (kind, self.next_step_on))

    def test_forbidden_steps_are_refused(self):
        for ledger, kind, allowed in lifecycle_cases():
            if allowed:
                continue
            with self.subTest(ledger=" ".join(ledger) or "-", step=kind):
                city = self.city_with_ledger(ledger)
                before = ledger_of(city)
                with self.assertRaises(ValidationError) as refused:
                    services.membership_step_record(
                        city=city, kind=kind, on=self.next_step_on
                    )
                self.assertEqual(
                    refused.exception.error_dict["kind"][0].code, "lifecycle"
                )
                self.assertEqual(ledger_of(city), before)


class MembershipStepRecordTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.city = MembershipStepFactory(on=datetime.date(2022, 6, 28)).city

    def test_earlier_step_that_breaks_the_ledger_is_refused(self):
        with self.assertRaises(ValidationError) as refused:
            services.membership_step_record(
                city=self.city, kind=WITHDRAWN, on=datetime.date(2022, 6, 27)
            )
        self.assertEqual(refused.exception.error_dict["kind"][0].code, "lifecycle")
        self.assertEqual(ledger_of(self.city), [(JOINED, datetime.date(2022, 6, 28))])

    def test_earlier_step_found_later_takes_its_place_in_date_order(self):
        """An invitation discovered after the join was recorded still fits."""
        services.membership_step_record(
            city=self.city, kind=INVITED, on=datetime.date(2022, 4, 25)
        )
        self.assertEqual(
            ledger_of(self.city),
            [
                (INVITED, datetime.date(2022, 4, 25)),
                (JOINED, datetime.date(2022, 6, 28)),
            ],
        )

    def test_signature_of_another_city_is_refused(self):
        other = SignatureFactory()
        with self.assertRaises(ValidationError) as refused:
            services.membership_step_record(
                city=CityFactory(),
                kind=JOINED,
                on=datetime.date(2022, 6, 28),
                signature=other,
            )
        self.assertEqual(
            refused.exception.error_dict["signature"][0].code, "signature_city"
        )

    def test_step_on_the_day_of_the_last_follows_it(self):
        services.membership_step_record(
            city=self.city, kind=SUSPENDED, on=datetime.date(2022, 6, 28)
        )
        self.assertEqual(
            ledger_of(self.city),
            [
                (JOINED, datetime.date(2022, 6, 28)),
                (SUSPENDED, datetime.date(2022, 6, 28)),
            ],
        )

    def test_month_known_step_in_the_month_of_a_dated_step_is_refused(self):
        """Stored as the 1st, it would sort before the step it follows."""
        with self.assertRaises(ValidationError) as refused:
            services.membership_step_record(
                city=self.city,
                kind=SUSPENDED,
                on=datetime.date(2022, 6, 30),
                precision=DatePrecision.MONTH,
            )
        self.assertEqual(refused.exception.error_dict["kind"][0].code, "lifecycle")

    def test_date_is_stored_at_its_precision(self):
        cases = [
            (DatePrecision.DAY, datetime.date(2023, 5, 17)),
            (DatePrecision.MONTH, datetime.date(2023, 5, 1)),
            (DatePrecision.YEAR, datetime.date(2023, 1, 1)),
            (DatePrecision.BEFORE, datetime.date(2023, 5, 17)),
        ]
        for precision, stored in cases:
            with self.subTest(precision=precision):
                city = CityFactory()
                step = services.membership_step_record(
                    city=city,
                    kind=INVITED,
                    on=datetime.date(2023, 5, 17),
                    precision=precision,
                )
                step.refresh_from_db()
                self.assertEqual((step.on, step.precision), (stored, precision))


def invited_joined_suspended(city) -> list[MembershipStep]:
    """A ledger written directly: invited, joined, then suspended."""
    return MembershipStep.objects.bulk_create(
        [
            MembershipStep(city=city, kind=INVITED, on=datetime.date(2022, 4, 25)),
            MembershipStep(city=city, kind=JOINED, on=datetime.date(2022, 6, 28)),
            MembershipStep(city=city, kind=SUSPENDED, on=datetime.date(2024, 3, 1)),
        ]
    )


class MembershipStepChangeTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.city = CityFactory()
        cls.invited, cls.joined, cls.suspended = invited_joined_suspended(cls.city)

    def assertLedgerUnchanged(self):
        self.assertEqual(
            ledger_of(self.city),
            [
                (INVITED, datetime.date(2022, 4, 25)),
                (JOINED, datetime.date(2022, 6, 28)),
                (SUSPENDED, datetime.date(2024, 3, 1)),
            ],
        )

    def test_corrected_date_is_saved(self):
        services.membership_step_change(step=self.joined, on=datetime.date(2022, 7, 1))
        self.assertEqual(ledger_of(self.city)[1], (JOINED, datetime.date(2022, 7, 1)))

    def test_corrected_date_is_stored_at_its_precision(self):
        services.membership_step_change(
            step=self.joined,
            on=datetime.date(2022, 6, 28),
            precision=DatePrecision.MONTH,
        )
        self.joined.refresh_from_db()
        self.assertEqual(self.joined.on, datetime.date(2022, 6, 1))

    def test_date_moving_a_step_out_of_order_is_refused(self):
        with self.assertRaises(ValidationError):
            services.membership_step_change(
                step=self.joined, on=datetime.date(2024, 6, 1)
            )
        self.assertLedgerUnchanged()

    def test_kind_breaking_the_lifecycle_is_refused(self):
        with self.assertRaises(ValidationError):
            services.membership_step_change(step=self.joined, kind=CANDIDATE)
        self.assertLedgerUnchanged()

    def test_kind_keeping_the_lifecycle_is_saved(self):
        services.membership_step_change(step=self.suspended, kind=WITHDRAWN)
        self.assertEqual(
            ledger_of(self.city)[-1], (WITHDRAWN, datetime.date(2024, 3, 1))
        )

    def test_moving_a_step_that_its_ledger_needs_to_another_city_is_refused(self):
        with self.assertRaises(ValidationError):
            services.membership_step_change(step=self.joined, city=CityFactory())
        self.assertLedgerUnchanged()

    def test_moving_a_step_the_other_ledger_forbids_is_refused(self):
        member = MembershipStepFactory().city
        with self.assertRaises(ValidationError):
            services.membership_step_change(step=self.joined, city=member)
        self.assertLedgerUnchanged()
        self.assertEqual(len(ledger_of(member)), 1)

    def test_moving_a_step_both_ledgers_allow_is_saved(self):
        other = CityFactory()
        services.membership_step_change(step=self.invited, city=other)
        self.assertEqual(
            [kind for kind, _ in ledger_of(self.city)], [JOINED, SUSPENDED]
        )
        self.assertEqual(ledger_of(other), [(INVITED, datetime.date(2022, 4, 25))])


class MembershipStepDeleteTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.city = CityFactory()
        cls.invited, cls.joined, cls.suspended = invited_joined_suspended(cls.city)

    def test_last_step_can_be_deleted(self):
        services.membership_step_delete(step=self.suspended)
        self.assertEqual([kind for kind, _ in ledger_of(self.city)], [INVITED, JOINED])

    def test_step_the_rest_does_not_need_can_be_deleted(self):
        services.membership_step_delete(step=self.invited)
        self.assertEqual(
            [kind for kind, _ in ledger_of(self.city)], [JOINED, SUSPENDED]
        )

    def test_step_the_rest_needs_is_not_deleted(self):
        with self.assertRaises(ValidationError):
            services.membership_step_delete(step=self.joined)
        self.assertEqual(
            [kind for kind, _ in ledger_of(self.city)], [INVITED, JOINED, SUSPENDED]
        )


class MembershipStepConcurrencyTests(TransactionTestCase):
    """Two connections writing one city's ledger at once run one after the other."""

    timeout = 10  # seconds any wait below may take before the test fails

    def race(self, first, second):
        """Run first() and second() in two connections, each in a transaction.

        Both transactions are open before either writes. The first holds the
        city's lock until the second is seen waiting for it, then commits.
        Returns what each returned or raised.
        """
        both_open = threading.Barrier(2, timeout=self.timeout)
        first_holds_lock = threading.Event()
        release_first = threading.Event()
        pids, outcomes = {}, {}
        validate = services.membership_sequence_validate

        def validate_holding_the_lock(steps):
            # Called with the city's row locked, before anything is written.
            validate(steps)
            if threading.current_thread().name == "first":
                first_holds_lock.set()
                if not release_first.wait(self.timeout):
                    raise TimeoutError("the second connection never waited")

        def run(name, action):
            try:
                with transaction.atomic():
                    with connection.cursor() as cursor:
                        cursor.execute("SELECT pg_backend_pid()")
                        pids[name] = cursor.fetchone()[0]
                    both_open.wait()
                    if name == "second" and not first_holds_lock.wait(self.timeout):
                        raise TimeoutError("the first connection never took the lock")
                    outcomes[name] = action()
            except Exception as error:
                outcomes[name] = error
            finally:
                connection.close()

        threads = [
            threading.Thread(target=run, name=name, args=(name, action))
            for name, action in (("first", first), ("second", second))
        ]
        with mock.patch.object(
            services, "membership_sequence_validate", validate_holding_the_lock
        ):
            for thread in threads:
                thread.start()
            try:
                self.assertTrue(first_holds_lock.wait(self.timeout))
                self.assertTrue(
                    self.blocked_by(pids["second"], pids["first"]),
                    "the second connection did not wait for the first's lock",
                )
            finally:
                release_first.set()
                for thread in threads:
                    thread.join(self.timeout)
        self.assertFalse(any(thread.is_alive() for thread in threads))
        return outcomes["first"], outcomes["second"]

    def blocked_by(self, waiter, holder):
        """Poll, for at most the timeout, until waiter waits for holder's lock."""
        deadline = time.monotonic() + self.timeout
        with connection.cursor() as cursor:
            while time.monotonic() < deadline:
                cursor.execute(
                    "SELECT %s = ANY(pg_blocking_pids(%s))", [holder, waiter]
                )
                if cursor.fetchone()[0]:
                    return True
                time.sleep(0.005)
        return False

    def assertRefusedByLifecycle(self, outcome):
        self.assertIsInstance(outcome, ValidationError)
        self.assertEqual(outcome.error_dict["kind"][0].code, "lifecycle")

    def test_second_simultaneous_join_waits_and_is_refused(self):
        city = CityFactory()
        first, second = self.race(
            lambda: services.membership_step_record(
                city=city, kind=JOINED, on=datetime.date(2022, 6, 28)
            ),
            # A later date, so only the lifecycle (not a unique key) can refuse it.
            lambda: services.membership_step_record(
                city=city, kind=JOINED, on=datetime.date(2022, 6, 29)
            ),
        )
        self.assertIsInstance(first, MembershipStep)
        self.assertRefusedByLifecycle(second)
        self.assertEqual(ledger_of(city), [(JOINED, datetime.date(2022, 6, 28))])

    def test_suspension_while_the_join_is_deleted_waits_and_is_refused(self):
        join = MembershipStepFactory()
        city = City.objects.get(pk=join.city_id)
        first, second = self.race(
            lambda: services.membership_step_delete(step=join),
            lambda: services.membership_step_record(
                city=city, kind=SUSPENDED, on=datetime.date(2023, 1, 1)
            ),
        )
        self.assertIsNone(first)
        self.assertRefusedByLifecycle(second)
        self.assertEqual(ledger_of(city), [])
