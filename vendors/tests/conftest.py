import pytest

from vendors import whatsapp
from vendors.tests.fake_graph import FakeGraph

APP_SECRET = "test-app-secret"
VERIFY_TOKEN = "test-verify-token"


@pytest.fixture
def fake_graph():
    """A fake Graph API on a free port, stopped after the test."""
    with FakeGraph() as fake:
        yield fake


@pytest.fixture
def whatsapp_on(settings, fake_graph):
    """WhatsApp configured and pointed at the fake API, with short timeouts."""
    settings.WHATSAPP_API_BASE = fake_graph.url
    settings.WHATSAPP_API_VERSION = fake_graph.version
    settings.WHATSAPP_TOKEN = fake_graph.token
    settings.WHATSAPP_PHONE_NUMBER_ID = fake_graph.phone_number_id
    settings.WHATSAPP_TEMPLATE_NAME = fake_graph.template_name
    settings.WHATSAPP_APP_SECRET = APP_SECRET
    settings.WHATSAPP_VERIFY_TOKEN = VERIFY_TOKEN
    settings.WHATSAPP_CONNECT_TIMEOUT = 2.0
    settings.WHATSAPP_READ_TIMEOUT = 5.0
    settings.WHATSAPP_BREAKER_FAIL_MAX = 3
    settings.WHATSAPP_BREAKER_RESET_SECONDS = 60
    settings.WHATSAPP_MAX_RETRIES = 3
    whatsapp._breakers.clear()
    yield fake_graph
    whatsapp._breakers.clear()
