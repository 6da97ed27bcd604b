"""The benchmark's baseline: the least a Django view can do, served by the same
process, settings and middleware as the pages it is set beside.

bench/minimal_settings.py makes this the URLconf: the project's own URLs plus
``/minimal/``.
"""

from django.http import HttpResponse
from django.urls import path

from b40.urls import urlpatterns as project_urlpatterns


def minimal(request):
    return HttpResponse("ok")


urlpatterns = [path("minimal/", minimal), *project_urlpatterns]
