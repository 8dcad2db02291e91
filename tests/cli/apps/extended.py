"""Apps that turn on sanic-ext features needing Sanic's worker manager (doctor's
"Extensions" findings), and one that uses none.  Set in ``app.config``, as an
app would; sanic-ext reads them when Sanic sets it up at startup."""

from __future__ import annotations

from sanic import Sanic
from sanic.response import text


def _app(name: str, **config: bool) -> Sanic:
    app = Sanic(name)
    app.config.update(config)

    @app.get("/")
    async def index(request: object) -> object:
        return text(name)

    return app


plain = _app("cli_ext_plain")
plain_text = _app("cli_ext_plain_text")  # doctor's text output (a trial start mutates the app it starts)
health = _app("cli_ext_health", HEALTH=True)  # HEALTH_MONITOR is on by default once HEALTH is
endpoint = _app("cli_ext_endpoint", HEALTH=True, HEALTH_MONITOR=False, HEALTH_ENDPOINT=True)
background_logger = _app("cli_ext_logging", LOGGING=True)


# For the real-server tests of what each server does with them.
from sanic_asgi import ASGIApp  # noqa: E402

health_asgi = ASGIApp(health)
endpoint_asgi = ASGIApp(endpoint)
