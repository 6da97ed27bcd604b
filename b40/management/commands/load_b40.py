from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from b40.loader import Loader, LoadError
from cities.models import City


class Command(BaseCommand):
    help = (
        "Load the B40 public record (the CSV files of data/b40/) into the registry. "
        "Safe to repeat: unchanged rows change nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "path",
            nargs="?",
            type=Path,
            default=settings.BASE_DIR / "data" / "b40",
            help="The folder holding the CSV files (default: data/b40).",
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Load only into a registry that has no cities yet (used by make run).",
        )

    def handle(self, *args, path: Path, if_empty: bool, **options):
        if if_empty and City.objects.exists():
            self.stdout.write(
                "The registry already holds the record; not reloading. "
                "Run `manage.py load_b40` to apply changes from the CSV files."
            )
            return
        try:
            report = Loader(path).load()
        except LoadError as error:
            raise CommandError(f"{error}\nNothing was loaded.") from None
        for line in report.lines():
            self.stdout.write(f"  {line}")
        if report.changed:
            self.stdout.write(self.style.SUCCESS(f"Loaded the B40 record from {path}."))
        else:
            self.stdout.write(f"No changes: the registry already matches {path}.")
