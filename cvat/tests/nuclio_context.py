"""A stand-in for the nuclio context a handler gets: a logger that keeps warnings, user data, Response."""

from __future__ import annotations

from types import SimpleNamespace


class Context:
    def __init__(self):
        self.warnings = []
        self.logger = SimpleNamespace(info=lambda *a: None, warn=self.warnings.append)
        self.user_data = SimpleNamespace()

    class Response:
        def __init__(self, body, headers, content_type, status_code):
            self.body = body
            self.headers = headers
            self.content_type = content_type
            self.status_code = status_code
