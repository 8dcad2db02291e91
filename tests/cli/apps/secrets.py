"""An app with secrets in its config: no output of the command may show them."""

from __future__ import annotations

from sanic import Request, Sanic
from sanic.response import text

app = Sanic("cli_secrets")
app.config.TLS_CERT_PASSWORD = "tls-password-s3cret"
app.config.FORWARDED_SECRET = "forwarded-s3cret"
app.config.PROXIES_COUNT = 1


@app.get("/")
async def index(request: Request) -> object:
    return text("secret-keeping")
