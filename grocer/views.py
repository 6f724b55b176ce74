"""The few project-level views: the favicon browsers ask for at the site root."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.templatetags.static import static


def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers and crawlers ask for /favicon.ico whatever the page links: point at the file.

    Resolved per request, not at import: with the manifest storage the hashed name is only
    known once collectstatic has run.
    """
    return HttpResponsePermanentRedirect(static("img/favicon.ico"))
