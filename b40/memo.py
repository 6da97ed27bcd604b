"""Memoising what depends on nothing but its arguments and the language."""

import functools

from django.utils import translation
from django.utils.translation import get_language


def per_language(maxsize: int):
    """Memoise a function per arguments and language, worked out in that language.

    For what depends on nothing else that can change while the process runs
    (the URLconf, the translations, the formats, the settings): addresses,
    names, labels, dates. The function is called with the language active;
    callers pass ``language=`` or get the active one.
    """

    def decorator(function):
        @functools.lru_cache(maxsize=maxsize)
        def memo(language, *args):
            with translation.override(language):
                return function(*args)

        @functools.wraps(function)
        def in_language(*args, language: str | None = None):
            return memo(language or get_language(), *args)

        return in_language

    return decorator
