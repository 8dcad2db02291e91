"""Sanic's own server for the end-to-end runs: ``python -m benchmarks.serve_sanic PORT``
(one process, no workers manager, no access log, uvloop as Sanic picks it)."""

from __future__ import annotations

import sys

from .apps import make_sanic_app


def main() -> None:
    app = make_sanic_app()
    app.run(host="127.0.0.1", port=int(sys.argv[1]), single_process=True, access_log=False, motd=False)


if __name__ == "__main__":
    main()
