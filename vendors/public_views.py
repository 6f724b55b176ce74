"""Views without a login: the vendor's private page and the WhatsApp webhook.

Neither trusts anything but its token or signature; neither can raise a 500 on bad input.
"""

from __future__ import annotations

import hmac

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from grocer.jsonbody import parse_json, read_body
from grocer.outbox.services import outbox_enqueue
from grocer.problems import ProblemError
from grocer.ratelimit import ratelimit

from . import hooks, selectors, whatsapp
from .answers import AnswerLineInput, AnswerLocked, answer_submit
from .forms import AnswerForm, AnswerLineForm
from .models import VendorShare

# Meta batches statuses; a real webhook body is a few KB, this leaves plenty of room.
WEBHOOK_MAX_BYTES = 1024 * 1024

LINK_ERRORS = {
    "missing": (404, _("This link does not work"), _("Check that you copied the whole link.")),
    "revoked": (
        410,
        _("This link was withdrawn"),
        _("The family no longer needs an answer here."),
    ),
    "expired": (410, _("This link has expired"), _("Ask the family to send the list again.")),
}


def _link_error(request: HttpRequest, state: str) -> TemplateResponse:
    status, title, hint = LINK_ERRORS[state]
    response = TemplateResponse(
        request, "vendors/link_error.html", {"title": title, "hint": hint}, status=status
    )
    return response


def _line_forms(request: HttpRequest, share: VendorShare, items, answer) -> list:
    existing = {line.list_item_id: line for line in answer.lines.all()} if answer else {}
    data = request.POST if request.method == "POST" else None
    rows = []
    for item in items:
        line = existing.get(item.pk)
        initial = (
            {
                "availability": line.availability,
                "substitute": line.substitute,
                "unit_price": line.unit_price,
            }
            if line
            else None
        )
        rows.append(
            {"item": item, "form": AnswerLineForm(data, prefix=f"item-{item.pk}", initial=initial)}
        )
    return rows


def _share_token(request: HttpRequest, token: str = "", **kwargs) -> str:
    return f"token:{token}"


@require_http_methods(["GET", "POST"])
@ratelimit("vendor-answer-ip", "60/10m")
@ratelimit("vendor-answer", "30/10m", key=_share_token)
def vendor_page(request: HttpRequest, token: str) -> HttpResponse:
    share = selectors.share_for_token(token=token)
    if share is None:
        return _link_error(request, "missing")  # no vendor known: the browser's language
    # The vendor reads their page in their own language, whoever in the family shared it
    # and whatever their phone asks for. Rendered inside the override (a TemplateResponse
    # would otherwise render after it ends).
    language = share.vendor.language or settings.LANGUAGE_CODE
    with translation.override(language):
        response = _vendor_page(request, share)
        if isinstance(response, TemplateResponse):
            response.render()
    response["Content-Language"] = language
    return response


def _vendor_page(request: HttpRequest, share: VendorShare) -> HttpResponse:
    if share.link_state != "open":
        return _link_error(request, share.link_state)
    answer = getattr(share, "answer", None)
    locked = hooks.answer_locked(share=share)
    items = list(selectors.items_for_vendor(share=share))
    rows = _line_forms(request, share, items, answer)
    answer_initial = (
        {"note": answer.note, "delivery_time": answer.delivery_time} if answer else None
    )
    form = AnswerForm(request.POST if request.method == "POST" else None, initial=answer_initial)
    status = 200
    error = ""
    if request.method == "POST":
        if locked:
            status, error = 409, _("The family has already ordered from your answer.")
        elif form.is_valid() and all(row["form"].is_valid() for row in rows):
            try:
                answer_submit(
                    share=share,
                    lines=[
                        AnswerLineInput(
                            list_item=row["item"],
                            availability=row["form"].cleaned_data["availability"],
                            substitute=row["form"].cleaned_data.get("substitute") or "",
                            unit_price=row["form"].cleaned_data.get("unit_price"),
                        )
                        for row in rows
                    ],
                    note=form.cleaned_data.get("note") or "",
                    delivery_time=form.cleaned_data.get("delivery_time"),
                )
            except AnswerLocked as exc:
                status, error = 409, str(exc)
            else:
                return redirect(f"{request.path}?saved=1")
        else:
            status, error = 400, _("Please fix the highlighted answers.")
    context = {
        "share": share,
        "family": share.grocery_list.family,
        "grocery_list": share.grocery_list,
        "rows": rows,
        "form": form,
        "answer": answer,
        "locked": locked,
        "saved": request.GET.get("saved") == "1" and answer is not None,
        "error": error,
        "currency": settings.GROCER_CURRENCY,
    }
    response = TemplateResponse(request, "vendors/vendor_page.html", context, status=status)
    # The token is the only credential: keep it out of other sites' Referer headers
    # ("no-referrer" would make browsers send `Origin: null` and fail CSRF) and caches.
    response["Referrer-Policy"] = "same-origin"
    response["Cache-Control"] = "no-store"
    return response


@csrf_exempt  # Meta cannot send our CSRF token; the signature is the authentication.
@require_http_methods(["GET", "POST"])
# Meta sends bursts from a handful of addresses; this only stops a flood of forgeries.
@ratelimit("whatsapp-webhook", "1200/m")
def webhook(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        verify_token = settings.WHATSAPP_VERIFY_TOKEN
        given = request.GET.get("hub.verify_token", "")
        if (
            request.GET.get("hub.mode") == "subscribe"
            and verify_token
            and hmac.compare_digest(given.encode(), verify_token.encode())
        ):
            return HttpResponse(request.GET.get("hub.challenge", ""), content_type="text/plain")
        return HttpResponse("Verification failed.", status=403, content_type="text/plain")
    try:
        body = read_body(request, max_bytes=WEBHOOK_MAX_BYTES)
    except ProblemError as error:
        return error.response()
    # The signature is the only authentication: nothing is parsed before it holds.
    if not whatsapp.signature_valid(body, request.headers.get("X-Hub-Signature-256")):
        return HttpResponse("Bad signature.", status=403, content_type="text/plain")
    try:
        payload = parse_json(body)
    except ProblemError as error:
        return error.response()
    # Answer fast: Meta retries slow webhooks. The work happens in a task.
    # Through the outbox: with the broker down the body is kept in PostgreSQL and processed
    # later, and Meta still gets its fast 200.
    outbox_enqueue(task="vendors.tasks.process_webhook", args=[payload])
    return HttpResponse("OK", content_type="text/plain")
