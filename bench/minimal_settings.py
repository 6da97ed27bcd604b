"""The project's settings, serving bench/minimal_urls.py (for bench/pages.py)."""

from b40.settings import *  # noqa: F403

ROOT_URLCONF = "bench.minimal_urls"
