"""The client's IP address, believing ``X-Forwarded-For`` only from our own reverse proxies.

Anyone can send an ``X-Forwarded-For`` header. Only when the TCP peer (``REMOTE_ADDR``) is one
of ``settings.TRUSTED_PROXIES`` (addresses or networks, e.g. ``127.0.0.1,10.0.0.0/8``) is the
header read, from the right: each hop our proxies appended is skipped and the first address
not in the list is the client. Hops further left were written by the client and are never
believed, so a forged header cannot move a caller into another rate-limit bucket.
"""

import functools
import ipaddress

from django.conf import settings
from django.http import HttpRequest

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@functools.cache
def _networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in entries if entry.strip())


def _parse(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    text = text.strip()
    if text.startswith("[") and "]" in text:  # "[2001:db8::1]:443"
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # "203.0.113.7:51234"
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def _trusted(address, networks: tuple[Network, ...]) -> bool:
    return any(address.version == net.version and address in net for net in networks)


def client_ip(request: HttpRequest) -> str:
    """The address to rate-limit and log: the peer, or behind a trusted proxy the forwarded client."""
    remote = _parse(request.META.get("REMOTE_ADDR", "") or "")
    if remote is None:
        return "unknown"
    networks = _networks(tuple(getattr(settings, "TRUSTED_PROXIES", ()) or ()))
    if not networks or not _trusted(remote, networks):
        return str(remote)
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    hops = [_parse(hop) for hop in forwarded.split(",") if hop.strip()]
    client = remote
    for hop in reversed(hops):
        if hop is None:  # garbage in the chain: stop believing it at that point
            break
        client = hop
        if not _trusted(hop, networks):
            break
    return str(client)
