"""Apps the ecosystem tests load into real servers (``module:attribute``).

Each module keeps what happened inside the server process in ``EVENTS``
(``tests.ecosystem.apps.common``) under a key the test sends in the
``x-key`` header, and ``GET /events/<key>`` on the Sanic app reads it back.
"""
