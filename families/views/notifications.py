"""Notification pages: the feed (and its badge), preferences, push subscriptions."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from grocer.jsonbody import read_json
from grocer.problems import ProblemError

from .. import hooks, notifications, push
from ..access import family_member_required
from ..forms import NotificationPreferenceForm, PushSubscriptionForm
from ..models import Membership


@require_GET
@family_member_required
def feed(request: HttpRequest, *, membership: Membership) -> TemplateResponse:
    """What others changed; looking at it clears the badge."""
    events = hooks.feed_for(membership=membership)
    seen_at = notifications.feed_seen_at(membership=membership)
    notifications.feed_mark_seen(membership=membership)
    return TemplateResponse(
        request,
        "families/notifications.html",
        {"family": membership.family, "events": events, "seen_at": seen_at},
    )


@require_GET
@family_member_required
def badge(request: HttpRequest, *, membership: Membership) -> TemplateResponse:
    """The unseen count, loaded by htmx into pages that show the badge."""
    count = hooks.feed_unseen_count(
        membership=membership, since=notifications.feed_seen_at(membership=membership)
    )
    return TemplateResponse(
        request,
        "families/notifications.html#badge",
        {"family": membership.family, "unseen": count},
    )


@require_http_methods(["GET", "POST"])
@family_member_required
def settings_page(request: HttpRequest, *, membership: Membership) -> HttpResponse:
    preference = notifications.preference_for(membership=membership)
    # Not `request.POST or None`: all boxes unticked posts nothing, and that is a choice.
    data = request.POST if request.method == "POST" else None
    form = NotificationPreferenceForm(data, instance=preference)
    if request.method == "POST" and form.is_valid():
        notifications.preference_update(membership=membership, choices=form.cleaned_data)
        messages.success(request, _("Saved your notification choices."))
        return redirect("families:notification_settings", family_id=membership.family_id)
    return TemplateResponse(
        request,
        "families/notification_settings.html",
        {
            "family": membership.family,
            "form": form,
            "push_configured": push.push_configured(),
            "vapid_public_key": settings.WEBPUSH_VAPID_PUBLIC_KEY,
            "subscriptions": membership.user.push_subscriptions.count(),
        },
        status=400 if request.method == "POST" else 200,
    )


@require_POST
@family_member_required
def push_subscription(request: HttpRequest, *, membership: Membership) -> JsonResponse:
    """Save (or with `"unsubscribe": true` forget) this browser's push subscription (JSON)."""
    try:
        body = read_json(request)
    except ProblemError as error:
        return error.response(error=error.detail)
    keys = body.get("keys") if isinstance(body.get("keys"), dict) else {}
    form = PushSubscriptionForm(
        {"endpoint": body.get("endpoint"), "p256dh": keys.get("p256dh"), "auth": keys.get("auth")}
    )
    if body.get("unsubscribe") is True:
        notifications.push_unsubscribe(user=request.user, endpoint=str(body.get("endpoint") or ""))
        return JsonResponse({"subscribed": False})
    if not form.is_valid():
        return JsonResponse({"error": "Invalid subscription.", "errors": form.errors}, status=400)
    notifications.push_subscribe(user=request.user, **form.cleaned_data)
    return JsonResponse({"subscribed": True})
