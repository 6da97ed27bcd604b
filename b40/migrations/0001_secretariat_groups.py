"""The secretariat's two groups: editors change the record, viewers only read it."""

from django.db import migrations

REGISTRY_APPS = ("cities", "summits")
EDITORS = "Secretariat editors"
VIEWERS = "Secretariat viewers"


def create_groups(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after all migrations; make them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    registry = Permission.objects.filter(content_type__app_label__in=REGISTRY_APPS)
    editors, _ = Group.objects.get_or_create(name=EDITORS)
    editors.permissions.set(
        registry.filter(codename__regex=r"^(add|change|delete|view)_")
    )
    viewers, _ = Group.objects.get_or_create(name=VIEWERS)
    viewers.permissions.set(registry.filter(codename__startswith="view_"))


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=[EDITORS, VIEWERS]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("cities", "0002_initial"),
        ("summits", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
