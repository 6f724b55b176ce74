"""Push endpoints may only be the browsers' push services on the public internet.

A push subscription's endpoint is a URL the browser hands us and the worker later POSTs
to: without a check, a member could make the worker call any address it can reach
(`http://127.0.0.1:8509/...`, the cloud metadata service, the database). So:

- at subscription time (`check_endpoint`): `https` only, no credentials in the URL, the
  host on the allow-list of browser push services (`WEBPUSH_ALLOWED_HOSTS`, extended by
  the `WEBPUSH_EXTRA_HOSTS` environment variable), and every address it resolves to public;
- at send time, again, and then on the connection itself (`push_session`): the address
  the socket actually connected to must be public, so a DNS answer that changed since
  the check (DNS rebinding) is caught; redirects are never followed; proxies from the
  environment are ignored (the peer must be the push service itself).

`WEBPUSH_ALLOWED_NETWORKS` (CIDRs, empty by default) names private networks that may be
reached anyway, e.g. a self-hosted push relay; only there is plain `http` accepted.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

import requests
from django.conf import settings
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class EndpointRefusedError(ValueError):
    """The endpoint may not be called; the message says why (for a person)."""


def _networks() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [ipaddress.ip_network(cidr, strict=False) for cidr in settings.WEBPUSH_ALLOWED_NETWORKS]


def _trusted_private(address: Address) -> bool:
    return any(address in network for network in _networks())


def address_allowed(address: str) -> bool:
    """A public unicast address, or one in WEBPUSH_ALLOWED_NETWORKS."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    if _trusted_private(ip):
        return True
    return ip.is_global and not ip.is_multicast


def host_allowed(host: str) -> bool:
    host = host.lower().rstrip(".")
    for pattern in settings.WEBPUSH_ALLOWED_HOSTS:
        pattern = pattern.lower()
        if pattern.startswith("*."):
            if host == pattern[2:] or host.endswith(pattern[1:]):
                return True
        elif host == pattern:
            return True
    return False


def resolve(host: str, port: int) -> list[str]:
    """Every address `host` resolves to (the module-level seam tests point elsewhere)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return sorted({info[4][0] for info in infos})


def check_endpoint(url: str) -> None:
    """Raise `EndpointRefusedError` unless `url` is a push service endpoint we may call."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise EndpointRefusedError("The push endpoint is not a valid URL.") from None
    host = parts.hostname or ""
    if parts.scheme not in ("https", "http") or not host:
        raise EndpointRefusedError("The push endpoint must be an https URL.")
    if parts.username or parts.password:
        raise EndpointRefusedError("The push endpoint must not carry credentials.")
    if not host_allowed(host):
        raise EndpointRefusedError(f"{host} is not a known browser push service.")
    try:
        addresses = resolve(host, port or (443 if parts.scheme == "https" else 80))
    except (OSError, UnicodeError):
        raise EndpointRefusedError(f"{host} could not be resolved; try again later.") from None
    if not addresses or not all(address_allowed(address) for address in addresses):
        raise EndpointRefusedError(f"{host} does not resolve to a public address.")
    if parts.scheme == "http" and not all(
        _trusted_private(ipaddress.ip_address(address)) for address in addresses
    ):
        raise EndpointRefusedError("The push endpoint must be an https URL.")


# --- the connection: refuse a peer that is not allowed, whatever DNS said before ---------


def _checked(sock: socket.socket) -> socket.socket:
    peer = sock.getpeername()[0]
    if not address_allowed(peer):
        sock.close()
        raise EndpointRefusedError(f"The push service resolved to {peer}, which is not public.")
    return sock


class _CheckedHTTPSConnection(HTTPSConnection):
    def _new_conn(self) -> socket.socket:
        return _checked(super()._new_conn())


class _CheckedHTTPConnection(HTTPConnection):
    def _new_conn(self) -> socket.socket:
        return _checked(super()._new_conn())


class _CheckedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _CheckedHTTPSConnection


class _CheckedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _CheckedHTTPConnection


class _CheckedAdapter(HTTPAdapter):
    def init_poolmanager(self, *args, **kwargs) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {
            "http": _CheckedHTTPPool,
            "https": _CheckedHTTPSPool,
        }


class PushSession(requests.Session):
    """requests, for push sends only: checked peers, no redirects, no environment proxies."""

    def __init__(self) -> None:
        super().__init__()
        self.trust_env = False
        adapter = _CheckedAdapter()
        self.mount("https://", adapter)
        self.mount("http://", adapter)

    def request(self, method, url, *args, **kwargs):
        kwargs["allow_redirects"] = False
        return super().request(method, url, *args, **kwargs)


def push_session() -> PushSession:
    return PushSession()
