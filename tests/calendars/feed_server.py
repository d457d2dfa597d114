"""A real HTTP server on 127.0.0.1 that serves whatever a test sets, and records requests."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


class FeedServer:
    def __init__(self) -> None:
        self.reply = Reply()
        self.requests: list[dict[str, str]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.requests.append({k.lower(): v for k, v in self.headers.items()})
                reply = server.reply
                if (
                    reply.status == 200
                    and reply.headers.get("ETag")
                    and (self.headers.get("If-None-Match") == reply.headers["ETag"])
                ):
                    self.send_response(304)
                    self.send_header("ETag", reply.headers["ETag"])
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Type", "text/calendar")
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                self.wfile.write(reply.body)

            def log_message(self, *args) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/calendar.ics"

    def __enter__(self) -> FeedServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def airbnb_feed(*events: tuple[str, str, str], extra: str = "") -> bytes:
    """An Airbnb-style feed: all-day VALUE=DATE events with UIDs. `events` are
    (uid, start YYYYMMDD, end YYYYMMDD)."""
    lines = [
        "BEGIN:VCALENDAR",
        "PRODID:-//Airbnb Inc//Hosting Calendar 1.0//EN",
        "CALSCALE:GREGORIAN",
        "VERSION:2.0",
    ]
    for uid, start, end in events:
        lines += [
            "BEGIN:VEVENT",
            f"DTEND;VALUE=DATE:{end}",
            f"DTSTART;VALUE=DATE:{start}",
            f"UID:{uid}",
            "SUMMARY:Reserved",
            "DTSTAMP:20261201T000000Z",
            "END:VEVENT",
        ]
    if extra:
        lines += extra.strip().splitlines()
    lines.append("END:VCALENDAR")
    return ("\r\n".join(lines) + "\r\n").encode()
