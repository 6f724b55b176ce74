"""The client's real address behind reverse proxies, from the `TRUSTED_PROXIES` setting.

Rate limits are keyed on the client address, so it must be the one address a client
cannot choose. Each proxy appends the address it received the connection from to
`X-Forwarded-For`; everything left of what our own proxies wrote is whatever the client
sent. So the client is the right-most address that was not written by a trusted proxy:

    X-Forwarded-For: <forged>, <forged>, <client>, <proxy 1>      TCP peer: <proxy 2>

`TRUSTED_PROXIES` (environment variable of the same name):
- empty (the default): no proxy is trusted; the TCP peer is the client and
  `X-Forwarded-For` is ignored (daphne serving clients directly, `make run`);
- a count, e.g. `1`: that many proxies stand in front of the app (the TCP peer is the
  last of them), so the client is the (count + 1)-th address from the right. Use it only
  when the app cannot be reached except through those proxies;
- CIDRs, e.g. `10.0.0.0/8,172.16.0.0/12`: addresses in these networks are proxies;
  walking right to left from the TCP peer, the first address outside them is the client.

daphne must run WITHOUT `--proxy-headers`: that option replaces the peer with the
left-most `X-Forwarded-For` address, the one the client controls. `TrustedProxiesMiddleware`
wraps the whole ASGI application (grocer/asgi.py), so HTTP requests (`REMOTE_ADDR`) and
WebSocket scopes see the same address.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True)
class TrustedProxies:
    count: int = 0
    networks: tuple[Network, ...] = ()

    @classmethod
    def parse(cls, value: str | int | Sequence[str] | None) -> TrustedProxies:
        """ "" -> none, "2" -> a count, "10.0.0.0/8, 192.168.1.4" -> networks."""
        if value in (None, "", 0):
            return cls()
        if isinstance(value, int):
            items: list[str] = [str(value)]
        elif isinstance(value, str):
            items = [part.strip() for part in value.split(",") if part.strip()]
        else:
            items = [str(part).strip() for part in value]
        if len(items) == 1 and items[0].isdigit():
            return cls(count=int(items[0]))
        try:
            return cls(networks=tuple(ipaddress.ip_network(item, strict=False) for item in items))
        except ValueError as error:
            raise ImproperlyConfigured(
                f"TRUSTED_PROXIES must be a number of proxies or a list of CIDRs: {error}"
            ) from None

    def trusts(self, address: str) -> bool:
        ip = _ip(address)
        return ip is not None and any(ip in network for network in self.networks)

    def client(self, peer: str, forwarded_for: str) -> str:
        """The client address for a connection from `peer` carrying `forwarded_for`."""
        if not self.count and not self.networks:
            return peer
        chain = [part.strip() for part in forwarded_for.split(",") if part.strip()]
        chain.append(peer)
        if self.count:
            if len(chain) <= self.count:
                # Fewer hops than proxies: the request skipped some of them, and any
                # address it carries may be forged; only the peer is certain.
                return _clean(peer, fallback=peer)
            return _clean(chain[-(self.count + 1)], fallback=chain[-self.count])
        for index in range(len(chain) - 1, -1, -1):
            if not self.trusts(chain[index]):
                return _clean(chain[index], fallback=chain[min(index + 1, len(chain) - 1)])
        return _clean(chain[0], fallback=peer)  # every hop is a proxy of ours


def _ip(address: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    address = address.strip()
    if address.startswith("[") and "]" in address:  # "[2001:db8::1]:443"
        address = address[1 : address.index("]")]
    elif address.count(":") == 1:  # "203.0.113.7:51234"
        address = address.split(":", 1)[0]
    try:
        return ipaddress.ip_address(address)
    except ValueError:
        return None


def _clean(address: str, *, fallback: str) -> str:
    """A normalised address; garbage written where an address belongs falls back to the
    hop that forwarded it (a trusted proxy never writes garbage, a client might)."""
    ip = _ip(address)
    if ip is not None:
        return str(ip)
    return str(_ip(fallback) or fallback)


def trusted_proxies() -> TrustedProxies:
    return TrustedProxies.parse(getattr(settings, "TRUSTED_PROXIES", ""))


class TrustedProxiesMiddleware:
    """ASGI middleware: rewrites `scope["client"]` of HTTP and WebSocket scopes."""

    def __init__(self, app, proxies: TrustedProxies | None = None) -> None:
        self.app = app
        self.proxies = proxies if proxies is not None else trusted_proxies()

    async def __call__(self, scope, receive, send):
        if scope["type"] in ("http", "websocket") and (self.proxies.count or self.proxies.networks):
            client = scope.get("client") or ("", 0)
            forwarded = b",".join(
                value for name, value in scope.get("headers", []) if name == b"x-forwarded-for"
            ).decode("latin-1")
            address = self.proxies.client(client[0] or "", forwarded)
            if address != client[0]:
                # The port belonged to the proxy's connection, not the client's.
                scope = {**scope, "client": (address, 0)}
        return await self.app(scope, receive, send)
