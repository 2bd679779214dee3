"""A stand-in FMA-WSSS ``/cvat/detect`` endpoint on 127.0.0.1 that records what it receives.

``answer`` is the JSON answered to every request, or a function of the request's index returning
``(status, json, delay_seconds)``, for a service that fails or is slow on some frames.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FakeService:
    def __init__(self, answer, status: int = 200):
        self.answer = answer if callable(answer) else (lambda index: (status, answer, 0))
        self.requests: list[dict] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                length = int(self.headers.get("Content-Length", "0"))
                index = len(outer.requests)
                outer.requests.append({"path": self.path, "body": json.loads(self.rfile.read(length))})
                code, body, delay = outer.answer(index)
                if delay:
                    time.sleep(delay)
                data = json.dumps(body).encode("utf-8")
                try:
                    self.send_response(code)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up waiting

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
