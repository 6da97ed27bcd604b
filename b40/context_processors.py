from django.conf import settings
from django.urls import translate_url
from django.utils.translation import get_language_info


def languages(request):
    """This page's address in every shipped language, for hreflang and the switcher."""
    alternates = [
        {
            "code": code,
            "name": get_language_info(code)["name_local"],
            "url": request.build_absolute_uri(translate_url(request.path, code)),
        }
        for code, _name in settings.LANGUAGES
    ]
    return {"language_alternates": alternates}
