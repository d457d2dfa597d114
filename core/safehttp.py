"""One HTTP client for URLs that users type in (webhooks, calendar feeds), guarded against SSRF.

A URL an account owner enters must not let them reach this server's own network (the
database, Redis, a cloud metadata endpoint). The check is made on the address the
socket actually connects to:

1. the host name is resolved once (``getaddrinfo``);
2. every address it resolves to is checked (loopback, private, link-local, multicast,
   reserved, unspecified, shared, IPv4-mapped/6to4/NAT64 forms of those are refused);
3. the connection goes to *that* IP literal, while the TLS SNI, the certificate check and
   the ``Host`` header use the name. A DNS answer that changes between the check and the
   connection (DNS rebinding) is never looked up again, so it cannot get through.

Redirects are never followed (a 3xx comes back as a response): following one would need
the same check again, and neither webhooks nor feeds need it. Environment proxies are
not used (urllib3 ignores them), so the connection really goes to the checked address.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import urlsplit

import urllib3
from urllib3.util import Timeout
from urllib3.util.retry import Retry

__all__ = ["SafeHttpError", "SafeResponse", "address_is_public", "safe_request"]

_CHUNK = 64 * 1024
_DEFAULT_PORTS = {"http": 80, "https": 443}
# Forms of IPv6 that embed an IPv4 address the network may route to (NAT64 well-known prefix).
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class SafeHttpError(Exception):
    """The request was refused or failed before a complete response was read."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class SafeResponse:
    status: int
    headers: Mapping[str, str] = field(repr=False)  # case-insensitive (urllib3 HTTPHeaderDict)
    body: bytes = field(repr=False)
    truncated: bool = False


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def address_is_public(ip: IPAddress) -> bool:
    """True when ``ip`` is a globally routable unicast address."""
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(ip)
        if embedded is not None:
            return address_is_public(embedded)
        if ip.teredo is not None:
            return False
    return not (
        ip.is_loopback
        or ip.is_private
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
        or not ip.is_global
    )


def _address_allowed(ip: IPAddress, *, allow_private: bool) -> bool:
    if allow_private:
        # Development and tests talk to 127.0.0.1; multicast and 0.0.0.0 are never a peer.
        return not (ip.is_multicast or ip.is_unspecified)
    return address_is_public(ip)


def _resolve(host: str, port: int, *, allow_private: bool) -> list[IPAddress]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise SafeHttpError(f"cannot resolve host {host!r}: {exc}") from None
    addresses: list[IPAddress] = []
    for _family, _type, _proto, _canon, sockaddr in infos:
        # Scope ids ("fe80::1%eth0") are dropped: such addresses are refused anyway.
        ip = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        if ip not in addresses:
            addresses.append(ip)
    if not addresses:
        raise SafeHttpError(f"host {host!r} has no address")
    # One forbidden answer refuses the whole name: a name that mixes public and internal
    # addresses is exactly what a rebinding attack looks like.
    for ip in addresses:
        if not _address_allowed(ip, allow_private=allow_private):
            raise SafeHttpError(f"host {host!r} resolves to a forbidden address ({ip})")
    return addresses


def _host_header(host: str, port: int, scheme: str) -> str:
    name = f"[{host}]" if ":" in host else host
    return name if _DEFAULT_PORTS[scheme] == port else f"{name}:{port}"


def safe_request(
    method: str,
    url: str,
    *,
    headers: Mapping[str, str] | None = None,
    body: bytes | None = None,
    timeout: float,
    max_bytes: int,
    allow_private: bool,
    allowed_schemes: Sequence[str] = ("https",),
    on_overflow: Literal["raise", "truncate"] = "raise",
    ca_certs: str | None = None,
) -> SafeResponse:
    """Send one request to ``url`` and read at most ``max_bytes`` of the response body.

    ``timeout`` bounds the whole exchange (connect, send, read), not each socket read, so a
    peer dripping one byte at a time cannot hold a worker. A body over ``max_bytes`` raises,
    or with ``on_overflow="truncate"`` is cut there and flagged ``truncated`` (callers that
    only log a sample of the answer, like webhook delivery). ``ca_certs`` replaces the
    system trust store (tests with their own CA).
    """
    deadline = time.monotonic() + timeout
    try:
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        host = parts.hostname
        port = parts.port
    except ValueError as exc:
        raise SafeHttpError(f"invalid URL: {exc}") from None
    if scheme not in allowed_schemes or scheme not in _DEFAULT_PORTS:
        raise SafeHttpError(f"URL scheme {scheme or '(none)'!r} is not allowed")
    if not host:
        raise SafeHttpError("URL has no host")
    if parts.username is not None or parts.password is not None:
        raise SafeHttpError("credentials in the URL are not supported")
    port = port or _DEFAULT_PORTS[scheme]
    target = parts.path or "/"
    if parts.query:
        target = f"{target}?{parts.query}"

    try:
        ascii_host = host.encode("idna").decode("ascii") if not host.isascii() else host
    except UnicodeError:
        raise SafeHttpError(f"invalid host name {host!r}") from None
    addresses = _resolve(ascii_host, port, allow_private=allow_private)

    send_headers = {k: v for k, v in (headers or {}).items() if k.lower() != "host"}
    send_headers["Host"] = _host_header(ascii_host, port, scheme)

    last_error = "no address"
    for ip in addresses:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise SafeHttpError("timed out")
        pool = _pool(scheme, ip, port, ascii_host, remaining, ca_certs)
        try:
            return _exchange(
                pool, method, target, send_headers, body, deadline, max_bytes, on_overflow
            )
        except _ConnectFailed as exc:
            last_error = str(exc)  # try the next address of the name
        finally:
            pool.close()
    raise SafeHttpError(f"cannot connect to {ascii_host}: {last_error}")


class _ConnectFailed(Exception):
    pass


def _pool(
    scheme: str, ip: IPAddress, port: int, host: str, timeout: float, ca_certs: str | None
) -> urllib3.HTTPConnectionPool:
    common = {
        "port": port,
        "maxsize": 1,
        "timeout": Timeout(connect=timeout, read=timeout),
        "retries": Retry(total=0, redirect=0, raise_on_redirect=False, raise_on_status=False),
    }
    if scheme == "https":
        return urllib3.HTTPSConnectionPool(
            str(ip),
            server_hostname=host,
            assert_hostname=host,
            cert_reqs="CERT_REQUIRED",
            ca_certs=ca_certs,
            **common,  # type: ignore[arg-type]
        )
    return urllib3.HTTPConnectionPool(str(ip), **common)  # type: ignore[arg-type]


def _exchange(
    pool: urllib3.HTTPConnectionPool,
    method: str,
    target: str,
    headers: Mapping[str, str],
    body: bytes | None,
    deadline: float,
    max_bytes: int,
    on_overflow: str,
) -> SafeResponse:
    try:
        response = pool.urlopen(
            method.upper(),
            target,
            body=body,
            headers=dict(headers),
            redirect=False,
            preload_content=False,
            decode_content=False,
            assert_same_host=False,
        )
    except urllib3.exceptions.NewConnectionError as exc:
        raise _ConnectFailed(str(exc.reason if hasattr(exc, "reason") else exc)) from None
    except urllib3.exceptions.MaxRetryError as exc:
        reason = exc.reason
        if isinstance(reason, urllib3.exceptions.NewConnectionError):
            raise _ConnectFailed(str(reason)) from None
        if isinstance(reason, urllib3.exceptions.TimeoutError):
            raise SafeHttpError("timed out") from None
        if isinstance(reason, urllib3.exceptions.SSLError):
            raise SafeHttpError(f"TLS error: {reason}") from None
        raise SafeHttpError(f"connection error: {reason}") from None
    except urllib3.exceptions.TimeoutError:
        raise SafeHttpError("timed out") from None
    except urllib3.exceptions.HTTPError as exc:
        raise SafeHttpError(f"connection error: {exc}") from None
    except OSError as exc:
        raise SafeHttpError(f"connection error: {exc}") from None

    try:
        chunks: list[bytes] = []
        size = 0
        truncated = False
        while True:
            if time.monotonic() > deadline:
                raise SafeHttpError("timed out reading the response")
            # read1: whatever one socket read returns, so the deadline is checked often.
            chunk = response.read1(_CHUNK)
            if not chunk:
                break
            size += len(chunk)
            if size > max_bytes:
                if on_overflow != "truncate":
                    raise SafeHttpError(f"response body is larger than {max_bytes} bytes")
                chunks.append(chunk[: len(chunk) - (size - max_bytes)])
                truncated = True
                break
            chunks.append(chunk)
    except urllib3.exceptions.TimeoutError:
        raise SafeHttpError("timed out reading the response") from None
    except (urllib3.exceptions.HTTPError, OSError) as exc:
        raise SafeHttpError(f"error reading the response: {exc}") from None
    finally:
        response.release_conn()
        response.close()
    return SafeResponse(
        status=response.status,
        headers=response.headers,
        body=b"".join(chunks),
        truncated=truncated,
    )
