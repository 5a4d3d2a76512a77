"""A tiny SMTP server that keeps what it receives (tests and the demo; never production).

Speaks just enough of RFC 5321 for Django's SMTP backend: EHLO/HELO, MAIL, RCPT, DATA,
RSET, NOOP, QUIT. Runs on 127.0.0.1 in a thread; ``messages`` holds the parsed e-mails.
``fail_next(n)`` makes the next ``n`` transactions fail with a temporary error (451 at MAIL),
as a busy relay does.
"""

from __future__ import annotations

import email
import email.policy
import socketserver
import threading
from email.message import EmailMessage
from typing import Any


class SmtpSink:
    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self._lock = threading.Lock()
        self._failures: list[str] = []
        sink = self

        class Handler(socketserver.StreamRequestHandler):
            def reply(self, line: str) -> None:
                self.wfile.write((line + "\r\n").encode())

            def handle(self) -> None:
                self.reply("220 sink ESMTP ready")
                sender, rcpts = "", []
                while True:
                    raw = self.rfile.readline()
                    if not raw:
                        return
                    line = raw.decode("utf-8", "replace").rstrip("\r\n")
                    verb = line[:4].upper()
                    if verb in ("EHLO", "HELO"):
                        self.reply("250-sink" if verb == "EHLO" else "250 sink")
                        if verb == "EHLO":
                            self.reply("250 8BITMIME")
                    elif verb == "MAIL":
                        failure = sink._take_failure()
                        if failure:
                            self.reply(failure)
                            continue
                        sender, rcpts = line.split(":", 1)[1].strip(), []
                        self.reply("250 OK")
                    elif verb == "RCPT":
                        rcpts.append(line.split(":", 1)[1].strip())
                        self.reply("250 OK")
                    elif verb == "DATA":
                        self.reply("354 End data with <CR><LF>.<CR><LF>")
                        data = bytearray()
                        while True:
                            chunk = self.rfile.readline()
                            if not chunk or chunk in (b".\r\n", b".\n"):
                                break
                            data += chunk[1:] if chunk.startswith(b"..") else chunk
                        msg = email.message_from_bytes(bytes(data), policy=email.policy.default)
                        with sink._lock:
                            sink.messages.append(msg)  # type: ignore[arg-type]
                            sink.envelopes.append((sender, rcpts))
                        self.reply("250 OK: queued")
                    elif verb == "QUIT":
                        self.reply("221 Bye")
                        return
                    elif verb in ("RSET", "NOOP"):
                        self.reply("250 OK")
                    else:
                        self.reply("502 Command not implemented")

        class Server(socketserver.ThreadingTCPServer):
            allow_reuse_address = True
            daemon_threads = True

        self._server = Server((host, port), Handler)
        self.host, self.port = self._server.server_address[:2]
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)

    def fail_next(self, times: int = 1, reply: str = "451 4.3.0 Temporary failure, try again later") -> None:
        with self._lock:
            self._failures.extend([reply] * times)

    def _take_failure(self) -> str:
        with self._lock:
            return self._failures.pop(0) if self._failures else ""

    def start(self) -> SmtpSink:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> SmtpSink:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()
