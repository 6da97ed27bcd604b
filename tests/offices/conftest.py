import pytest
from django.test import override_settings


@pytest.fixture(scope="module", autouse=True)
def _fast_password_hashing():
    """These tests sign in and choose passwords by the dozen; a fast hasher keeps
    them quick. PBKDF2 stays second, so passwords hashed before still verify."""
    with override_settings(
        PASSWORD_HASHERS=[
            "django.contrib.auth.hashers.MD5PasswordHasher",
            "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        ]
    ):
        yield
