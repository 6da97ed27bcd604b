"""The secretariat's groups, for data migrations that grant a new app's models."""

EDITORS = "Secretariat editors"
VIEWERS = "Secretariat viewers"


def grant_secretariat(apps, app_labels, *, editor_actions=("add", "change", "delete")):
    """Give editors every listed action and viewers the view permission on the
    models of these apps. Call it from a RunPython in the app's migration."""
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after all migrations; make them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = Permission.objects.filter(content_type__app_label__in=app_labels)
    editors, _ = Group.objects.get_or_create(name=EDITORS)
    viewers, _ = Group.objects.get_or_create(name=VIEWERS)
    actions = "|".join((*editor_actions, "view"))
    editors.permissions.add(*permissions.filter(codename__regex=rf"^({actions})_"))
    viewers.permissions.add(*permissions.filter(codename__startswith="view_"))
