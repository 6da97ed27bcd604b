import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _empty_page_cache():
    """Each test starts with an empty cache: a rolled-back test's registry version
    comes round again, and its cached pages must not."""
    cache.clear()
    yield
    cache.clear()
