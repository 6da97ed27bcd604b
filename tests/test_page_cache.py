from django.apps import apps
from django.db import connection
from django.test import TestCase

from b40.page_cache import registry_tables, registry_version
from cities.models import City
from tests.factories import CityFactory, EventFactory, WorkingGroupFactory


class RegistryVersionTests(TestCase):
    def test_every_kind_of_write_bumps_the_version(self):
        city = CityFactory()
        writes = {
            "save": lambda: city.save(),
            "bulk update": lambda: City.objects.update(notes="bulk"),
            "raw SQL": lambda: connection.cursor().execute(
                "UPDATE cities_city SET notes = 'raw'"
            ),
            "many-to-many": lambda: EventFactory().working_groups.add(
                WorkingGroupFactory()
            ),
            "delete": lambda: City.objects.filter(pk=city.pk).delete(),
        }
        for name, write in writes.items():
            with self.subTest(write=name):
                before = registry_version()
                write()
                self.assertGreater(registry_version(), before)

    def test_reading_leaves_the_version_alone(self):
        CityFactory()
        before = registry_version()
        list(City.objects.with_status())
        self.assertEqual(registry_version(), before)

    def test_every_registry_table_has_the_trigger(self):
        """A new model needs a migration that calls install_version_triggers."""
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT c.relname FROM pg_trigger t"
                " JOIN pg_class c ON c.oid = t.tgrelid"
                " WHERE t.tgname = 'b40_registry_version'"
            )
            with_trigger = {row[0] for row in cursor.fetchall()}
        self.assertEqual(set(registry_tables(apps)) - with_trigger, set())
