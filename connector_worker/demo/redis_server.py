"""``python -m connector_worker.demo.redis_server``: an embedded Redis-protocol server as a process of its own.

The demo runs it like every other service (own process group, log file, SIGTERM to stop), so a Ctrl-C in
the terminal cannot take Redis away before the workers have shut down. It prints one JSON line, ``{"url":
...}``, once the server answers PING, and stops the server on SIGTERM or SIGINT.
"""

from __future__ import annotations

import json
import signal
import sys
import threading
from types import FrameType

from connector_worker.embedded_redis import embedded_redis_url


def main() -> None:
    stop = threading.Event()

    def handle(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, handle)
    signal.signal(signal.SIGINT, handle)
    with embedded_redis_url() as url:
        sys.stdout.write(json.dumps({"url": url}) + "\n")
        sys.stdout.flush()
        while not stop.wait(0.5):
            pass


if __name__ == "__main__":
    main()
