"""Response headers that keep the page self-contained and inert: a Content-Security-Policy
that lets it load nothing from anywhere but this server (so it works offline, and an injected
script or a CDN reference would not run), and the usual no-sniff and no-referrer headers."""
from __future__ import annotations

POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; "
          "img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; "
          "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
HEADERS = [(b"content-security-policy", POLICY.encode()),
           (b"x-content-type-options", b"nosniff"),
           (b"referrer-policy", b"no-referrer")]


class SecurityHeaders:
    """ASGI middleware adding HEADERS to every HTTP response."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        """Pass the request on; add HEADERS to the response's start message."""
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def with_headers(message):
            if message["type"] == "http.response.start":
                message = {**message, "headers": list(message.get("headers", [])) + HEADERS}
            await send(message)

        await self.app(scope, receive, with_headers)
