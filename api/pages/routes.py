"""The staff pages as routes: three HTML files and their static CSS and ES modules; and the
survey page a customer opens from a survey mail (no sign-in: its link carries the key).

No build step: what is in `static/` is what the browser gets. The pages hold no data; they
read it through /graphql and its subscriptions like any other client.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

from litestar import get
from litestar.response import Response
from litestar.static_files import create_static_files_router

from api.pages.session import exchange_credentials, who_is_signed_in

STATIC = resources.files("api.pages") / "static"
# Every string from the API is put into the page as text; this policy is the second line:
# no inline script or handler runs, nothing loads from elsewhere, no framing.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
        "frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}


@cache
def _html(name: str) -> str:
    return (STATIC / name).read_text(encoding="utf-8")


def _page(name: str) -> Response[str]:
    return Response(_html(name), media_type="text/html", headers=SECURITY_HEADERS)


@get("/staff", sync_to_thread=False, include_in_schema=False)
def board_page() -> Response[str]:
    return _page("board.html")


@get("/staff/dashboard", sync_to_thread=False, include_in_schema=False)
def dashboard_page() -> Response[str]:
    return _page("dashboard.html")


@get("/survey", sync_to_thread=False, include_in_schema=False)
def survey_page() -> Response[str]:
    return _page("survey.html")


@get("/staff/signin", sync_to_thread=False, include_in_schema=False)
def signin_page() -> Response[str]:
    return _page("signin.html")


def staff_handlers() -> list[Any]:
    """The routes to add to the app: pages, their files, and the session endpoints."""
    files = create_static_files_router(
        path="/staff/static", directories=[str(STATIC)], name="staff-static"
    )
    return [
        board_page,
        dashboard_page,
        signin_page,
        survey_page,
        who_is_signed_in,
        exchange_credentials,
        files,
    ]
