"""Deliveries must not queue behind each other: found by the bench (bench/README.md)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction

from vendors import services, whatsapp
from vendors.models import VendorShare
from vendors.tests.factories import VendorFactory, VendorShareFactory
from vendors.tests.fake_graph import ok


def test_sends_from_one_process_are_in_flight_together(whatsapp_on):
    """The circuit breaker must not hold a lock across the HTTP call: with it, a worker's
    threads sent one message at a time."""
    # Answers within the read timeout (5 s in `whatsapp_on`), slow enough to overlap.
    whatsapp_on.script(ok(delay=3), ok(delay=3))
    payload = whatsapp.template_payload(to="+34600111222", params=["List", "Family", "https://x/"])
    whatsapp.breaker()  # the process's one breaker exists before the threads race for it
    results: list = []
    threads = [
        threading.Thread(target=lambda: results.append(whatsapp.send(payload))) for _ in range(2)
    ]
    for thread in threads:
        thread.start()
    try:
        # Both requests reach the API while the first is still unanswered.
        assert whatsapp_on.wait_for_requests(2, timeout=2.5)
    finally:
        for thread in threads:
            thread.join(timeout=15)
    assert len(results) == 2


def test_the_same_client_is_reused_between_messages(whatsapp_on):
    """A new httpx client per message rebuilt its TLS context every time."""
    assert whatsapp._http_client() is whatsapp._http_client()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_status_changes_of_one_vendors_shares_do_not_wait_for_each_other():
    """Locking a share must not lock its vendor: every delivery to a popular vendor
    would wait for the one before it to commit."""
    vendor = VendorFactory()
    first, second = VendorShareFactory(vendor=vendor), VendorShareFactory(vendor=vendor)
    holding, release = threading.Event(), threading.Event()

    def hold_first() -> None:
        try:
            with transaction.atomic():
                services.share_status_set(share_id=first.pk, status=VendorShare.Status.SENDING)
                holding.set()
                release.wait(timeout=15)
        finally:
            connection.close()

    holder = threading.Thread(target=hold_first)
    holder.start()
    try:
        assert holding.wait(timeout=10)
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '3s'")
            services.share_status_set(share_id=second.pk, status=VendorShare.Status.SENDING)
    finally:
        release.set()
        holder.join(timeout=15)
    second.refresh_from_db()
    assert second.status == VendorShare.Status.SENDING
