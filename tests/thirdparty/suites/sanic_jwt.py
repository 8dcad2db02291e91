"""sanic-jwt 1.8.0's test suite (github.com/ahopkins/sanic-jwt, tag v1.8.0)."""

from __future__ import annotations

from . import OWN, Entry, entries

SUITE = "sanic-jwt"
FOLDER = "sanic-jwt-1.8.0"
DISTRIBUTIONS = {"sanic": "25.12.1", "sanic-jwt": "1.8.0", "sanic-testing": "24.6.0", "freezegun": "1.5.5"}
REQUIREMENTS = [
    "sanic-jwt==1.8.0",
    "sanic-testing==24.6.0",
    "freezegun==1.5.5",
    "cryptography==50.0.2",
    "pytest==9.2.0",
    "pytest-asyncio==1.5.0",
    "pytest-timeout==2.4.0",
    "pytest-xdist==3.8.0",
]
# sanic-ext loads itself into every Sanic app when installed, and changes this suite's outcome.
CONFLICTS = ("sanic-ext",)
# Its tox.ini puts tests/ on PYTHONPATH; its setup.cfg addopts (--cov, --doctest-modules) are not needed.
PYTEST_INI = "[pytest]\n"
PYTHONPATH = ("tests",)

MARKED = {
    "tests/test_endpoints_basic.py::test_auth_verify_invalid_token": (
        "xfail of the suite's own: the request has an invalid header value on purpose"
    ),
    "tests/test_endpoints_cookies.py::test_config_with_cookie_domain": (
        "xfail of the suite's own: sanic-testing cannot set the cookie domain"
    ),
}

XFAIL: dict[str, Entry] = {}
SKIP: dict[str, Entry] = {
    **entries(
        {OWN},
        "hangs on Sanic's own server (the handler never answers; pytest-timeout cannot stop Sanic's running "
        "server loop)",
        "tests/test_decorators.py::test_inject_user_with_auth_mode_off",
    ),
}
