"""A loopback HTTP server that plays a script of answers and socket faults, for transport-level tests.

It knows nothing about Magento: it exists to produce exact wire conditions (a connection dropped after the
request arrived, a body that trickles, a proxy's HTML page) that transport code must classify, and to record
every request it received so tests can count them.
"""

from __future__ import annotations

import contextlib
import json
import socket
import socketserver
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Answer:
    """One scripted reaction to one request."""

    status: int = 200
    body: bytes = b"true"
    headers: tuple[tuple[str, str], ...] = (("Content-Type", "application/json"),)
    action: str = "respond"  # respond | drop | trickle | stall | truncate
    delay: float = 0.0

    @classmethod
    def json(cls, status: int, value: Any, *headers: tuple[str, str]) -> Answer:
        return cls(status, json.dumps(value).encode(), (("Content-Type", "application/json"), *headers))


@dataclass
class Received:
    method: str
    target: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Script:
    answers: list[Answer] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def next_answer(self, request: Received) -> Answer:
        with self.lock:
            self.received.append(request)
            return self.answers.pop(0) if self.answers else Answer(500, b'{"message":"script exhausted"}')


class _Handler(socketserver.StreamRequestHandler):
    server: _Server

    def handle(self) -> None:
        # OSError: the client gave up (a timeout under test), so there is nothing to answer any more
        with contextlib.suppress(OSError):
            self._play()

    def _play(self) -> None:
        request = self._read_request()
        if request is None:
            return
        answer = self.server.script.next_answer(request)
        if answer.action == "drop":
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        if answer.action == "stall":
            time.sleep(answer.delay)
        head = [f"HTTP/1.1 {answer.status} X", f"Content-Length: {len(answer.body)}", "Connection: close"]
        head += [f"{name}: {value}" for name, value in answer.headers]
        self.wfile.write(("\r\n".join(head) + "\r\n\r\n").encode())
        self.wfile.flush()
        if answer.action == "trickle":
            for byte in answer.body:
                time.sleep(answer.delay)
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
        elif answer.action == "truncate":
            self.wfile.write(answer.body[: len(answer.body) // 2])
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
        else:
            self.wfile.write(answer.body)

    def _read_request(self) -> Received | None:
        line = self.rfile.readline().decode("latin-1").strip()
        if not line:
            return None
        method, target, _ = line.split(" ", 2)
        headers: dict[str, str] = {}
        while (header := self.rfile.readline().decode("latin-1").strip()) != "":
            name, _, value = header.partition(":")
            headers[name.strip().lower()] = value.strip()
        body = self.rfile.read(int(headers.get("content-length", "0")))
        return Received(method, target, headers, body)


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    script: Script


@contextmanager
def scripted_server() -> Iterator[tuple[str, Script]]:
    """``(base_url, script)``: append :class:`Answer` objects to ``script.answers`` before each call."""
    server = _Server(("127.0.0.1", 0), _Handler)
    server.script = Script()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", server.script
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
