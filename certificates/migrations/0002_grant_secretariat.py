from django.db import migrations

from b40.groups import grant_secretariat


def grant(apps, schema_editor):
    # Editors issue and revoke; nobody deletes a certificate, so an old
    # printout always verifies as valid, superseded or revoked.
    grant_secretariat(apps, ["certificates"], editor_actions=("add", "change"))


class Migration(migrations.Migration):
    dependencies = [
        ("certificates", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
