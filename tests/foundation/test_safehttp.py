"""core/safehttp.py against real servers on 127.0.0.1 (HTTP and HTTPS with a test CA).

Only the resolver is replaced (``socket.getaddrinfo`` for made-up names), to make a name
resolve to an internal address or change its answer between calls; connections are real.
"""

from __future__ import annotations

import datetime as dt
import http.server
import ipaddress
import socket
import ssl
import threading
import time
from collections.abc import Iterator

import pytest
import urllib3.util.connection
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from core.safehttp import SafeHttpError, address_is_public, safe_request

HTTP = ("http",)


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:  # keep test output quiet
        pass

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body_in = self.rfile.read(length) if length else b""
        self.server.seen.append((self.command, self.path, dict(self.headers), body_in))  # type: ignore[attr-defined]
        if self.path == "/redirect":
            self._send(302, b"", [("Location", "/target")])
        elif self.path == "/big":
            self._send(200, b"x" * 5000)
        elif self.path == "/slow":
            time.sleep(2)
            self._send(200, b"late")
        elif self.path == "/drip":
            self.send_response(200)
            self.send_header("Content-Length", "100")
            self.end_headers()
            for _ in range(100):
                try:
                    self.wfile.write(b"x")
                    self.wfile.flush()
                except OSError:
                    return
                time.sleep(0.1)
        else:
            self._send(201, b"hello " + body_in, [("X-Custom", "yes")])

    do_GET = do_POST = _answer

    def _send(self, status: int, body: bytes, extra: list[tuple[str, str]] = ()) -> None:  # type: ignore[assignment]
        self.send_response(status)
        for name, value in extra:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def _serve(server: http.server.ThreadingHTTPServer) -> Iterator[http.server.ThreadingHTTPServer]:
    server.seen = []  # type: ignore[attr-defined]
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def server() -> Iterator[http.server.ThreadingHTTPServer]:
    yield from _serve(http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler))


def _url(server, path: str = "/") -> str:
    return f"http://127.0.0.1:{server.server_address[1]}{path}"


@pytest.fixture
def connections(monkeypatch) -> list[tuple[str, int]]:
    """Every address a socket is opened to (urllib3 connects through this function)."""
    seen: list[tuple[str, int]] = []
    real = urllib3.util.connection.create_connection

    def recording(address, *args, **kwargs):
        seen.append(address)
        return real(address, *args, **kwargs)

    monkeypatch.setattr(urllib3.util.connection, "create_connection", recording)
    return seen


@pytest.fixture
def fake_dns(monkeypatch) -> dict[str, list[str]]:
    """Made-up names -> a queue of answers (the last one repeats); other names resolve."""
    answers: dict[str, list[str]] = {}
    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        if host in answers:
            queue = answers[host]
            ip = queue.pop(0) if len(queue) > 1 else queue[0]
            family = socket.AF_INET6 if ":" in ip else socket.AF_INET
            return [(family, socket.SOCK_STREAM, 6, "", (ip, port))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return answers


def test_a_request_to_a_local_server_returns_status_headers_and_body(server):
    response = safe_request(
        "POST",
        _url(server, "/hook?x=1"),
        headers={"Content-Type": "text/plain"},
        body=b"ping",
        timeout=5,
        max_bytes=1000,
        allow_private=True,
        allowed_schemes=HTTP,
    )
    assert response.status == 201
    assert response.body == b"hello ping"
    assert response.headers["x-custom"] == "yes"  # case-insensitive
    assert response.truncated is False
    method, path, headers, _ = server.seen[0]
    assert (method, path) == ("POST", "/hook?x=1")
    assert headers["Host"] == f"127.0.0.1:{server.server_address[1]}"


def test_loopback_is_refused_unless_private_addresses_are_allowed(server, connections):
    with pytest.raises(SafeHttpError, match="forbidden address"):
        safe_request(
            "GET", _url(server), timeout=5, max_bytes=100, allow_private=False, allowed_schemes=HTTP
        )
    assert connections == []
    assert server.seen == []


@pytest.mark.parametrize("internal", ["10.0.0.1", "169.254.169.254", "::ffff:10.0.0.1", "fd00::1"])
def test_a_name_resolving_to_an_internal_address_is_never_connected_to(
    internal, fake_dns, connections
):
    fake_dns["metadata.test"] = [internal]
    with pytest.raises(SafeHttpError, match="forbidden address"):
        safe_request(
            "GET", "https://metadata.test/latest", timeout=2, max_bytes=100, allow_private=False
        )
    assert connections == []


def test_a_dns_answer_that_changes_after_the_check_is_not_used(fake_dns, monkeypatch):
    """The name is resolved once; the socket goes to the checked address, never to the
    second answer (127.0.0.1) a rebinding resolver gives."""
    fake_dns["rebind.test"] = ["93.184.216.34", "127.0.0.1"]
    attempted: list[tuple[str, int]] = []

    def refuse(address, *args, **kwargs):  # record, but do not reach the internet
        attempted.append(address)
        raise ConnectionRefusedError("test: not connecting out")

    monkeypatch.setattr(urllib3.util.connection, "create_connection", refuse)
    with pytest.raises(SafeHttpError, match="cannot connect"):
        safe_request("GET", "https://rebind.test/", timeout=2, max_bytes=100, allow_private=False)
    assert attempted == [("93.184.216.34", 443)]


def test_the_name_is_sent_as_host_while_the_checked_ip_is_connected(server, fake_dns, connections):
    port = server.server_address[1]
    fake_dns["receiver.test"] = ["127.0.0.1", "192.0.2.1"]
    response = safe_request(
        "GET",
        f"http://receiver.test:{port}/",
        timeout=5,
        max_bytes=100,
        allow_private=True,
        allowed_schemes=HTTP,
    )
    assert response.status == 201
    assert connections == [("127.0.0.1", port)]
    assert server.seen[0][2]["Host"] == f"receiver.test:{port}"


@pytest.mark.parametrize(
    "url", ["http://example.com/", "ftp://example.com/", "file:///etc/passwd", "https:///x"]
)
def test_schemes_and_urls_outside_the_allowed_ones_are_refused(url, connections):
    with pytest.raises(SafeHttpError):
        safe_request("GET", url, timeout=2, max_bytes=100, allow_private=False)
    assert connections == []


def test_credentials_in_the_url_are_refused(connections):
    with pytest.raises(SafeHttpError, match="credentials"):
        safe_request(
            "GET", "https://u:p@example.com/", timeout=2, max_bytes=10, allow_private=False
        )


def test_an_unresolvable_name_is_an_error():
    with pytest.raises(SafeHttpError, match="cannot resolve"):
        safe_request(
            "GET", "https://no-such-host.invalid/", timeout=2, max_bytes=10, allow_private=False
        )


def test_a_redirect_is_returned_not_followed(server):
    response = safe_request(
        "GET",
        _url(server, "/redirect"),
        timeout=5,
        max_bytes=100,
        allow_private=True,
        allowed_schemes=HTTP,
    )
    assert response.status == 302
    assert response.headers["Location"] == "/target"
    assert [path for _, path, _, _ in server.seen] == ["/redirect"]


def test_a_body_over_max_bytes_raises_or_is_truncated_on_request(server):
    with pytest.raises(SafeHttpError, match="larger than 1000"):
        safe_request(
            "GET",
            _url(server, "/big"),
            timeout=5,
            max_bytes=1000,
            allow_private=True,
            allowed_schemes=HTTP,
        )
    response = safe_request(
        "GET",
        _url(server, "/big"),
        timeout=5,
        max_bytes=1000,
        allow_private=True,
        allowed_schemes=HTTP,
        on_overflow="truncate",
    )
    assert (response.status, len(response.body), response.truncated) == (200, 1000, True)


@pytest.mark.parametrize("path", ["/slow", "/drip"])
def test_the_timeout_bounds_the_whole_exchange(server, path):
    started = time.monotonic()
    with pytest.raises(SafeHttpError, match="timed out"):
        safe_request(
            "GET",
            _url(server, path),
            timeout=0.5,
            max_bytes=1000,
            allow_private=True,
            allowed_schemes=HTTP,
        )
    assert time.monotonic() - started < 1.5


def test_a_closed_port_is_a_connection_error():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(SafeHttpError, match="cannot connect"):
        safe_request(
            "GET",
            f"http://127.0.0.1:{port}/",
            timeout=2,
            max_bytes=10,
            allow_private=True,
            allowed_schemes=HTTP,
        )


@pytest.mark.parametrize(
    "ip",
    [
        "127.0.0.1",
        "10.0.0.1",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",  # noqa: S104 (an address to refuse, not one to bind)
        "224.0.0.1",
        "240.0.0.1",
        "255.255.255.255",
        "192.0.2.1",
        "::1",
        "::",
        "fe80::1",
        "fc00::1",
        "ff02::1",
        "::ffff:127.0.0.1",
        "::ffff:169.254.169.254",
        "2002:a00:1::",
        "64:ff9b::a00:1",
        "2001:db8::1",
    ],
)
def test_internal_and_special_addresses_are_not_public(ip):
    assert address_is_public(ipaddress.ip_address(ip)) is False


@pytest.mark.parametrize(
    "ip", ["8.8.8.8", "93.184.216.34", "2606:4700:4700::1111", "::ffff:8.8.8.8"]
)
def test_global_unicast_addresses_are_public(ip):
    assert address_is_public(ipaddress.ip_address(ip)) is True


# --- HTTPS: the certificate is checked against the name, not the IP connected to ---------


def _certificate(tmp_path, name: str) -> tuple[str, str, str]:
    """A test CA and a server certificate for ``name``: (ca file, cert file, key file)."""
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "safehttp test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False),
            critical=True,
        )
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    files = (tmp_path / "ca.pem", tmp_path / "cert.pem", tmp_path / "key.pem")
    files[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    files[1].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    files[2].write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return tuple(str(f) for f in files)  # type: ignore[return-value]


@pytest.fixture
def tls_server(tmp_path) -> Iterator[tuple[http.server.ThreadingHTTPServer, str, list[str]]]:
    ca, cert, key = _certificate(tmp_path, "feeds.test")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    sni: list[str] = []
    context.sni_callback = lambda sock, name, ctx: sni.append(name)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    for running in _serve(server):
        yield running, ca, sni


def test_https_sends_the_name_as_sni_and_checks_the_certificate_against_it(tls_server, fake_dns):
    server, ca, sni = tls_server
    port = server.server_address[1]
    fake_dns["feeds.test"] = ["127.0.0.1"]
    response = safe_request(
        "GET",
        f"https://feeds.test:{port}/",
        timeout=5,
        max_bytes=100,
        allow_private=True,
        ca_certs=ca,
    )
    assert response.status == 201
    assert sni == ["feeds.test"]
    assert server.seen[0][2]["Host"] == f"feeds.test:{port}"


def test_https_with_a_certificate_for_another_name_fails(tls_server, fake_dns):
    server, ca, _ = tls_server
    fake_dns["other.test"] = ["127.0.0.1"]
    with pytest.raises(SafeHttpError):
        safe_request(
            "GET",
            f"https://other.test:{server.server_address[1]}/",
            timeout=5,
            max_bytes=100,
            allow_private=True,
            ca_certs=ca,
        )
    assert server.seen == []
