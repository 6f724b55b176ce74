"""Deploy checks of what families need from the outside world."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Tags, register

# Backends that keep mail on this machine: fine for development and tests, silent loss
# in production (invitations and password resets printed to a log nobody reads).
LOCAL_EMAIL_BACKENDS = {
    "django.core.mail.backends.console.EmailBackend",
    "django.core.mail.backends.dummy.EmailBackend",
    "django.core.mail.backends.locmem.EmailBackend",
    "django.core.mail.backends.filebased.EmailBackend",
}


@register(Tags.security, deploy=True)
def email_is_delivered(app_configs, **kwargs) -> list[Error]:
    """`manage.py check --deploy` fails when mail would not leave the machine."""
    if settings.EMAIL_BACKEND not in LOCAL_EMAIL_BACKENDS:
        return []
    return [
        Error(
            f"Email is not sent anywhere (EMAIL_BACKEND is {settings.EMAIL_BACKEND}): "
            "invitations and password resets would only be printed to the log.",
            hint="Set EMAIL_URL, e.g. smtp+tls://user:password@smtp.example.com:587 "
            "(and DEFAULT_FROM_EMAIL).",
            id="families.E001",
        )
    ]
