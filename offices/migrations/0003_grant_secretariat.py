from django.db import migrations

from b40.groups import grant_secretariat


def grant(apps, schema_editor):
    # No deletes: a deactivated login and a decided request stay on record.
    grant_secretariat(apps, ["offices"], editor_actions=("add", "change"))


class Migration(migrations.Migration):
    dependencies = [
        ("b40", "0001_secretariat_groups"),
        ("offices", "0002_contacts_and_change_requests"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
