"""Thin Celery tasks for families: load by id, do one thing, retry."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import translation

from grocer.i18n import supported_language

from .models import Invitation


@shared_task(
    autoretry_for=(OSError,),
    retry_backoff=True,
    retry_jitter=True,
    max_retries=5,
    soft_time_limit=30,
    time_limit=60,
)
def send_invitation_email(invitation_id: str, accept_url: str, language: str = "") -> None:
    """Email an invitation link. Idempotent enough: a retry resends the same link."""
    invitation = (
        Invitation.objects.select_related("family", "created_by").filter(pk=invitation_id).first()
    )
    if invitation is None or invitation.state != "open" or not invitation.email:
        return
    context = {"invitation": invitation, "accept_url": accept_url}
    with translation.override(supported_language(language) or settings.LANGUAGE_CODE):
        subject = render_to_string("families/email/invitation_subject.txt", context).strip()
        message = render_to_string("families/email/invitation_body.txt", context)
    send_mail(
        subject=subject,
        message=message,
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[invitation.email],
    )


@shared_task(
    bind=True,
    max_retries=6,
    soft_time_limit=30,
    time_limit=60,
)
def send_push(self, subscription_id: str, data: str, topic: str = "") -> bool:
    """Send one push; retry 5xx/429/timeouts with exponential backoff and jitter."""
    import random

    from .push import PushRetryError, push_send

    try:
        return push_send(subscription_id=subscription_id, data=data, topic=topic)
    except PushRetryError as error:
        delay = min(600, 2**self.request.retries * 5) + random.uniform(0, 5)  # noqa: S311 - jitter, not crypto
        raise self.retry(exc=error, countdown=delay) from error
