from django.db import migrations

from b40.groups import grant_secretariat


def grant(apps, schema_editor):
    # Editors decide (admit or decline, the only change an application takes);
    # applications come from the public form and are never deleted.
    grant_secretariat(apps, ["applications"], editor_actions=("change",))


class Migration(migrations.Migration):
    dependencies = [
        ("applications", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("b40", "0001_secretariat_groups"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
