"""The language a request is answered in: the signed-in user's setting, else the browser's.

Django's LocaleMiddleware (just before this one) picks a language from Accept-Language;
a user who chose one in their profile gets theirs instead, on every device. The project
package knows no user model: any `language` attribute holding one of LANGUAGES counts.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import translation
from django.views.decorators.cache import cache_control
from django.views.i18n import JavaScriptCatalog

from grocer.middleware import DatabaseUnavailableMiddleware


def supported_language(code: str | None) -> str:
    """`code` when it is one of LANGUAGES (any case), else an empty string."""
    if not code:
        return ""
    code = code.lower()
    return code if code in {lang for lang, _name in settings.LANGUAGES} else ""


class UserLanguageMiddleware:
    """After LocaleMiddleware and AuthenticationMiddleware: the user's own language wins."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        chosen = ""
        try:
            if user is not None and user.is_authenticated:
                chosen = supported_language(getattr(user, "language", ""))
        except (OperationalError, InterfaceError) as error:
            # Loading the user is this request's first database read: with the database
            # down, the same clean 503 a view would give (an exception escaping a
            # middleware would become a 500 page instead).
            return DatabaseUnavailableMiddleware.unavailable_response(request, error)
        if chosen and chosen != translation.get_language():
            translation.activate(chosen)
            request.LANGUAGE_CODE = chosen
        response = self.get_response(request)
        if chosen:
            # LocaleMiddleware already set it from the browser's choice.
            response.headers["Content-Language"] = chosen
        return response


# An hour: the URL names the language, so a page in another language fetches another
# file; a deploy's new strings reach open browsers within the hour.
CATALOG_MAX_AGE = 3600


@cache_control(max_age=CATALOG_MAX_AGE, public=True)
def javascript_catalog(request: HttpRequest, lang: str) -> HttpResponse:
    """Django's JavaScript catalog (`gettext()` and friends for static/js) for `lang`.

    A script file at its own URL per language, loaded by base.html with a plain
    `<script src>`: the CSP allows no inline script, and the file can be cached.
    """
    language = supported_language(lang)
    if not language:
        raise Http404("No such language.")
    with translation.override(language):
        return JavaScriptCatalog.as_view()(request)
