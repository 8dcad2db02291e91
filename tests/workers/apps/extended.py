"""An app with Sanic's inspector and sanic-ext's health monitor, health
endpoint and background logger, on the ports the test gives it."""

from __future__ import annotations

import os

from sanic import Sanic
from sanic.response import json

app = Sanic("procext")
app.config.INSPECTOR = True
app.config.INSPECTOR_HOST = "127.0.0.1"
app.config.INSPECTOR_PORT = int(os.environ["INSPECTOR_PORT"])
app.config.HEALTH = True
app.config.HEALTH_ENDPOINT = True
app.config.LOGGING = True


@app.get("/pid")
async def pid(request):
    return json({"pid": os.getpid(), "name": request.app.m.name})
