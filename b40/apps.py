from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class B40Config(AppConfig):
    default = True
    name = "b40"
    verbose_name = "B40 Registry"


class RegistryAdminConfig(admin_apps.AdminConfig):
    default = False
    default_site = "b40.admin_site.RegistryAdminSite"
