import functools

from django.conf import settings
from django.urls import translate_url
from django.utils.translation import get_language_info


def languages(request):
    """This page's address in every shipped language, for hreflang and the switcher."""
    alternates = [
        {"code": code, "name": name, "url": request.build_absolute_uri(path)}
        for code, name, path in _alternates(
            request.path, settings.ROOT_URLCONF, tuple(dict(settings.LANGUAGES))
        )
    ]
    return {"language_alternates": alternates}


# translate_url() resolves the path and reverses it in each language: on every
# page, for every language. Its answer depends only on the path and the
# URLconf, fixed for the life of the process, so it is worked out once a path.
@functools.lru_cache(maxsize=2048)
def _alternates(path: str, urlconf: str, codes: tuple[str, ...]):
    return [
        (code, get_language_info(code)["name_local"], translate_url(path, code))
        for code in codes
    ]
