"""The one error the web app answers with a 4xx: a request it cannot serve, and why.

Handlers and helpers raise `ClientError(status, message)`; the app turns it into the JSON body
`{"error": message}` with that status, so every refusal looks the same to the page and to
scripts, and nothing about it takes the server down.
"""
from __future__ import annotations


class ClientError(Exception):
    """A bad request: `status` is the HTTP status (400, 404, 413, 503...), the message one line
    a person can act on."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message
