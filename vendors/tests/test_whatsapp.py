"""The thin client: payload shapes, error classification by code, signatures."""

import pytest

from vendors import whatsapp
from vendors.tests.conftest import APP_SECRET
from vendors.tests.fake_graph import error, http_status, signed, status_webhook

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("code", "retryable", "trips"),
    [
        (131056, True, False),  # pair rate limit: back off, not an outage
        (130429, True, False),
        (4, True, False),
        (80007, True, False),
        (1, True, True),
        (2, True, True),
        (131000, True, True),
        (131016, True, True),
        (131026, False, False),
        (190, False, False),
        (132001, False, False),
        (131047, False, False),
        (100, False, False),
        (131048, False, False),
        (368, False, False),
        (131030, False, False),
        (200, False, False),
    ],
)
def test_errors_are_classified_by_code_not_text(whatsapp_on, code, retryable, trips):
    # The same misleading text for every code: only error.code may decide.
    whatsapp_on.script(error(code, message="temporarily unavailable, please retry"))
    with pytest.raises(whatsapp.WhatsAppError) as caught:
        whatsapp.send(whatsapp.text_payload(to="+34600111222", body="hi"))
    assert caught.value.code == code
    assert caught.value.retryable is retryable
    assert caught.value.trips_breaker is trips


@pytest.mark.parametrize(
    ("reply", "retryable"),
    [
        (http_status(500), True),
        (http_status(502), True),
        (http_status(429), True),
        (http_status(404), False),
    ],
)
def test_statuses_without_a_graph_error_body(whatsapp_on, reply, retryable):
    whatsapp_on.script(reply)
    with pytest.raises(whatsapp.WhatsAppError) as caught:
        whatsapp.send(whatsapp.text_payload(to="+34600111222", body="hi"))
    assert caught.value.retryable is retryable


def test_a_5xx_carrying_a_permanent_code_is_permanent(whatsapp_on):
    whatsapp_on.script(error(131026, status=500))
    with pytest.raises(whatsapp.WhatsAppError) as caught:
        whatsapp.send(whatsapp.text_payload(to="+34600111222", body="hi"))
    assert not caught.value.retryable


def test_human_reasons_for_permanent_failures():
    reason = whatsapp.WhatsAppError("x", code=131026, retryable=False).reason
    assert reason == "The vendor's number is not on WhatsApp or cannot receive messages."
    assert "token has expired" in whatsapp.WhatsAppError("x", code=190, retryable=False).reason
    assert "template" in whatsapp.WhatsAppError("x", code=132001, retryable=False).reason


def test_a_wellformed_template_is_accepted_and_sent_as_digits(whatsapp_on):
    payload = whatsapp.template_payload(
        to="+34600111222", params=["Weekly\nshop", "The\tSmiths", "https://x.example/v/t/"]
    )
    result = whatsapp.send(payload)
    assert result.message_id.startswith("wamid.")
    [request] = whatsapp_on.requests
    assert request.path == f"/v21.0/{whatsapp_on.phone_number_id}/messages"
    assert request.headers["Authorization"] == f"Bearer {whatsapp_on.token}"
    assert request.body["to"] == "34600111222"
    params = request.body["template"]["components"][0]["parameters"]
    assert [p["text"] for p in params] == ["Weekly shop", "The Smiths", "https://x.example/v/t/"]


def test_the_fake_rejects_what_the_real_api_rejects(whatsapp_on, settings):
    bad_template = whatsapp.template_payload(to="+34600111222", params=["a"])
    bad_template["template"]["components"][0]["parameters"][0]["text"] = "two\nlines"
    with pytest.raises(whatsapp.WhatsAppError) as caught:
        whatsapp.send(bad_template)
    assert caught.value.code == 100
    settings.WHATSAPP_TOKEN = "expired"
    with pytest.raises(whatsapp.WhatsAppError) as caught:
        whatsapp.send(whatsapp.text_payload(to="+34600111222", body="hi"))
    assert caught.value.code == 190
    assert not caught.value.retryable


def test_text_bodies_are_capped_at_4096_characters(whatsapp_on):
    whatsapp.send(whatsapp.text_payload(to="+34600111222", body="x" * 5000))
    assert len(whatsapp_on.requests[0].body["text"]["body"]) == 4096


def test_template_parameters_become_one_short_line():
    assert whatsapp.template_param("a\n\tb     c") == "a b c"
    assert len(whatsapp.template_param("x" * 500)) == whatsapp.TEMPLATE_PARAM_MAX


def test_signature_is_hmac_sha256_of_the_raw_body(settings):
    settings.WHATSAPP_APP_SECRET = APP_SECRET
    body, header = signed(status_webhook("wamid.1", "sent"), APP_SECRET)
    assert whatsapp.signature_valid(body, header)
    assert not whatsapp.signature_valid(body + b" ", header)
    assert not whatsapp.signature_valid(body, header.replace("sha256=", "sha1="))
    assert not whatsapp.signature_valid(body, None)
    settings.WHATSAPP_APP_SECRET = ""
    assert not whatsapp.signature_valid(body, header)


def test_click_to_chat_link():
    url = whatsapp.click_to_chat_url(number="+34 600 111 222", text="Hi & bye\nhttps://x/v/t/")
    assert url == "https://wa.me/34600111222?text=Hi%20%26%20bye%0Ahttps%3A%2F%2Fx%2Fv%2Ft%2F"
