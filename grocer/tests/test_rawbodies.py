"""`grocer.rawbodies`: daphne's requests leave form bodies to Django."""

from __future__ import annotations

from types import SimpleNamespace

from twisted.web.test.requesthelper import DummyChannel

from grocer import rawbodies
from grocer.testing import printed_by_fresh_python


def _received_post(body: bytes, content_type: bytes):
    """daphne's request object after Twisted has read a POST, stopped before daphne's part."""
    from daphne.http_protocol import WebRequest

    channel = DummyChannel()
    channel.factory = SimpleNamespace(server=SimpleNamespace(protocol_connected=lambda r: None))
    request = WebRequest(channel)
    request.process = lambda: None  # daphne's hand-over to the application
    request.requestHeaders.setRawHeaders(b"Content-Type", [content_type])
    request.gotLength(len(body))
    request.handleContentChunk(body)
    request.requestReceived(b"POST", b"/lists/1/items/", b"HTTP/1.1")
    return request


def test_twisted_leaves_a_form_post_unparsed_and_its_body_whole():
    assert rawbodies.install()
    request = _received_post(
        b"name=milk+x2&csrfmiddlewaretoken=t", b"application/x-www-form-urlencoded"
    )
    assert request.args == {}  # Twisted's own parse would be {b"name": [b"milk x2"], ...}
    assert request.content.read() == b"name=milk+x2&csrfmiddlewaretoken=t"  # for Django


def test_a_multipart_upload_is_not_parsed_twice():
    assert rawbodies.install()
    body = (
        b'--b\r\nContent-Disposition: form-data; name="photo"; filename="a.jpg"\r\n'
        b"Content-Type: image/jpeg\r\n\r\n" + b"\xff\xd8" * 1000 + b"\r\n--b--\r\n"
    )
    request = _received_post(body, b"multipart/form-data; boundary=b")
    assert request.args == {}
    assert request.content.read() == body


def test_installed_in_every_daphne_process():
    # In a process of its own: loading grocer.asgi here would patch the test runner too.
    code = (
        "import grocer.asgi; from daphne.http_protocol import WebRequest; "
        "print(getattr(WebRequest.__init__, 'leaves_bodies_to_django', False))"
    )
    assert printed_by_fresh_python(code) == "True"
