import shutil
import tempfile
from io import StringIO
from pathlib import Path

from django.conf import settings
from django.core.management import CommandError, call_command
from django.test import TestCase

from cities import services
from cities.models import City, MembershipStep, Office, Person
from summits.models import Event, Presidency, Signature
from tests.factories import UserFactory

DATA = settings.BASE_DIR / "data" / "b40"


def load(path=DATA, *args) -> str:
    out = StringIO()
    call_command("load_b40", str(path), *args, stdout=out)
    return out.getvalue()


class EditedData:
    """A copy of the shared data with one file's text replaced."""

    def __init__(self, test: TestCase):
        self.dir = Path(tempfile.mkdtemp())
        test.addCleanup(shutil.rmtree, self.dir)
        shutil.copytree(DATA, self.dir, dirs_exist_ok=True)

    def replace(self, filename: str, old: str, new: str) -> "EditedData":
        path = self.dir / filename
        text = path.read_text(encoding="utf-8")
        assert old in text, f"{old!r} not in {filename}"
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
        return self

    def append(self, filename: str, line: str) -> "EditedData":
        with (self.dir / filename).open("a", encoding="utf-8") as handle:
            handle.write(line + "\n")
        return self


def line_of(filename: str, start: str) -> int:
    lines = (DATA / filename).read_text(encoding="utf-8").splitlines()
    return next(n for n, text in enumerate(lines, 1) if text.startswith(start))


def table_sizes() -> dict[str, int]:
    models = (City, Person, Office, MembershipStep, Event, Signature, Presidency)
    return {m.__name__: m.objects.count() for m in models}


class LoadIntoEmptyRegistryTests(TestCase):
    def test_loads_every_file(self):
        output = load()
        self.assertIn("cities: 59 created", output)
        self.assertIn("membership ledger: 62 created", output)
        self.assertIn("signatures: 31 created", output)
        self.assertIn("presidencies: 5 created", output)
        self.assertIn("reported counts: 7 created", output)

    def test_keeps_sources_precision_and_confidence(self):
        load()
        step = MembershipStep.objects.get(city__slug="pula", kind="joined")
        self.assertEqual(step.precision, "before")
        self.assertEqual(step.confidence, "probable")
        self.assertTrue(step.sources)
        self.assertTrue(all(url.startswith("http") for url in step.sources))
        sarajevo = City.objects.get(slug="sarajevo")
        self.assertIn(
            ("tr", "Saraybosna"), sarajevo.names.values_list("language", "name")
        )

    def test_bad_row_stops_the_load_and_writes_nothing(self):
        line = line_of("membership_events.csv", "belgrade,joined,")
        data = EditedData(self).replace(
            "membership_events.csv",
            "belgrade,joined,2021-11-30",
            "belgrade,joined,2021-13-30",
        )
        with self.assertRaisesMessage(
            CommandError,
            f"membership_events.csv:{line}: on: "
            "'2021-13-30' is not a date (YYYY-MM-DD)",
        ):
            load(data.dir)
        self.assertEqual(set(table_sizes().values()), {0})

    def test_unknown_reference_names_file_line_and_column(self):
        line = line_of("membership_events.csv", "belgrade,joined,")
        data = EditedData(self).replace(
            "membership_events.csv",
            "belgrade,joined,2021-11-30,day,istanbul-summit-2021",
            "belgrade,joined,2021-11-30,day,no-such-summit",
        )
        with self.assertRaisesMessage(
            CommandError,
            f"membership_events.csv:{line}: event: "
            "no record with slug 'no-such-summit'",
        ):
            load(data.dir)

    def test_forbidden_ledger_step_is_refused_with_its_row(self):
        data = EditedData(self).append(
            "membership_events.csv",
            "belgrade,joined,2023-01-23,day,,no,probable,,,,https://example.org/,",
        )
        last_line = len((data.dir / "membership_events.csv").read_text().splitlines())
        with self.assertRaisesMessage(
            CommandError, f"membership_events.csv:{last_line}: kind: "
        ):
            load(data.dir)
        self.assertEqual(set(table_sizes().values()), {0})

    def test_database_constraint_is_reported_with_its_row(self):
        data = EditedData(self).append(
            "mayors.csv", "athens,Somebody Else,mayor,2021-11-30,,,https://example.org/"
        )
        last_line = len((data.dir / "mayors.csv").read_text().splitlines())
        with self.assertRaisesMessage(
            CommandError,
            f"mayors.csv:{last_line}: row: Another mayor of this city is in office",
        ):
            load(data.dir)

    def test_missing_column_is_reported(self):
        data = EditedData(self).replace(
            "cities.csv", "slug,name,country", "slug,title,country"
        )
        with self.assertRaisesMessage(
            CommandError, "cities.csv:1: name: missing from the header"
        ):
            load(data.dir)

    def test_month_precision_date_must_be_the_first(self):
        data = EditedData(self).replace(
            "reported_counts.csv", "2022-06-01,month,25", "2022-06-15,month,25"
        )
        line = line_of("reported_counts.csv", "2022-06-01,")
        with self.assertRaisesMessage(
            CommandError,
            f"reported_counts.csv:{line}: on: "
            "2022-06-15 has month precision: give the 1st",
        ):
            load(data.dir)


class ReloadTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        load()

    def test_second_run_changes_nothing_and_says_so(self):
        before = table_sizes()
        history = City.history.count()
        output = load()
        self.assertIn("No changes: the registry already matches", output)
        self.assertNotIn("created", output)
        self.assertNotIn("updated", output)
        self.assertEqual(table_sizes(), before)
        self.assertEqual(City.history.count(), history)

    def test_changed_row_updates_its_record_and_its_history(self):
        data = EditedData(self).replace(
            "cities.csv", "zagreb,Zagreb,HR,45.815", "zagreb,Zagreb,HR,45.816"
        )
        output = load(data.dir)
        self.assertIn("cities: 1 updated, 58 unchanged", output)
        zagreb = City.objects.get(slug="zagreb")
        self.assertEqual(str(zagreb.latitude), "45.81600")
        latest, previous = zagreb.history.all()[:2]
        self.assertEqual(latest.history_change_reason, "load_b40")
        delta = latest.diff_against(previous)
        self.assertEqual(delta.changed_fields, ["latitude"])

    def test_bad_row_after_a_change_keeps_nothing_of_the_load(self):
        data = (
            EditedData(self)
            .replace("cities.csv", "zagreb,Zagreb,HR,45.815", "zagreb,Zagreb,HR,45.816")
            .replace("presidencies.csv", "5,zagreb,", "5,nowhere,")
        )
        with self.assertRaisesMessage(
            CommandError, "presidencies.csv:6: city: no record"
        ):
            load(data.dir)
        self.assertEqual(str(City.objects.get(slug="zagreb").latitude), "45.81500")

    def test_if_empty_leaves_a_loaded_registry_alone(self):
        City.objects.filter(slug="zagreb").update(notes="Edited by the secretariat.")
        output = load(DATA, "--if-empty")
        self.assertIn("already holds the record; not reloading", output)
        self.assertEqual(
            City.objects.get(slug="zagreb").notes, "Edited by the secretariat."
        )


class ReloadAfterEditsTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        load()

    def test_renamed_city_loads_again_and_again(self):
        data = EditedData(self).replace(
            "cities.csv", "zagreb,Zagreb,", "zagreb,Zagreb City,"
        )
        self.assertIn("cities: 1 updated", load(data.dir))
        self.assertIn("No changes", load(data.dir))
        zagreb = City.objects.get(slug="zagreb")
        self.assertEqual(zagreb.name, "Zagreb City")
        self.assertEqual(zagreb.history.latest().history_change_reason, "load_b40")

    def test_secretariat_confirmation_survives_a_reload(self):
        step = MembershipStep.objects.get(city__slug="athens", kind="joined")
        self.assertEqual(step.confidence, "probable")
        services.fact_confirm(fact=step, user=UserFactory())
        self.assertIn("No changes", load())
        step.refresh_from_db()
        self.assertEqual(step.confidence, "confirmed")

    def test_an_earlier_step_added_to_the_record_takes_its_place(self):
        data = EditedData(self).append(
            "membership_events.csv",
            "zagreb,invited,2022-04-25,day,,,probable,,,,https://example.org/,",
        )
        self.assertIn("membership ledger: 1 created", load(data.dir))
        kinds = City.objects.get(slug="zagreb").membership_steps.order_by("on")
        self.assertEqual(
            list(kinds.values_list("kind", flat=True)), ["invited", "joined"]
        )


class BadFileTests(TestCase):
    def test_repeated_key_is_refused(self):
        line = line_of("cities.csv", "zagreb,")
        text = (DATA / "cities.csv").read_text(encoding="utf-8").splitlines()[line - 1]
        data = EditedData(self).append("cities.csv", text)
        last = len((data.dir / "cities.csv").read_text().splitlines())
        with self.assertRaisesMessage(
            CommandError, f"cities.csv:{last}: row: repeats the record of line {line}"
        ):
            load(data.dir)
        self.assertEqual(City.objects.count(), 0)

    def test_not_a_number_coordinate_is_refused(self):
        line = line_of("cities.csv", "zagreb,")
        data = EditedData(self).replace(
            "cities.csv", "zagreb,Zagreb,HR,45.815", "zagreb,Zagreb,HR,NaN"
        )
        with self.assertRaisesMessage(
            CommandError, f"cities.csv:{line}: latitude: 'NaN' is not a number"
        ):
            load(data.dir)

    def test_file_saved_with_a_byte_order_mark_loads(self):
        data = EditedData(self)
        path = data.dir / "working_groups.csv"
        path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
        self.assertIn("working groups: 4 created", load(data.dir))
