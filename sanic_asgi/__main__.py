"""``python -m sanic_asgi run module:app``: the ``sanic-asgi`` command."""

from __future__ import annotations

import sys

from ._cli import main

if __name__ == "__main__":
    sys.exit(main())
