"""The few project-level views: the favicon and the web app manifest, at the site root."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.templatetags.static import static


def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers and crawlers ask for /favicon.ico whatever the page links: point at the file.

    Resolved per request, not at import: with the manifest storage the hashed name is only
    known once collectstatic has run.
    """
    return HttpResponsePermanentRedirect(static("img/favicon.ico"))


# Light and dark: the browser's own bar matches the page's top bar (static/css/grocer.css).
THEME_LIGHT = "#1f7a4d"
THEME_DARK = "#121413"


def web_manifest(request: HttpRequest) -> JsonResponse:
    """What makes Grocer installable: opened from the home screen, it starts on the
    dashboard of the family last used (the site root redirects there) without browser bars.
    """
    manifest = {
        "name": "Grocer",
        "short_name": "Grocer",
        "description": "Your family's shared grocery lists, live on every phone.",
        "id": "/",
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "orientation": "portrait",
        "background_color": "#f7f7f5",
        "theme_color": THEME_LIGHT,
        "icons": [
            {"src": static("img/icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": static("img/icon-512.png"), "sizes": "512x512", "type": "image/png"},
            {
                "src": static("img/icon-maskable-512.png"),
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "maskable",
            },
            {"src": static("img/grocer-mark.svg"), "sizes": "any", "type": "image/svg+xml"},
        ],
    }
    return JsonResponse(manifest, content_type="application/manifest+json")
