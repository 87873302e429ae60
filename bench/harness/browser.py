"""A real headless Chromium for the staff pages: where to find it, how to start it, and a page
signed in with a token (through the sign-in page, as an associate would)."""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / ".omni" / "screenshots"  # .omni/ is git-ignored
# Without the background-networking flags Chromium's own connections (updates, field
# trials) are refused on a machine without internet, and it stalls.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
HOW_TO_ENABLE = (
    "browser tests skipped: no Chromium found "
    "(apt-get install chromium, or OMNI_CHROMIUM=/path/to/chromium; .ci/run requires them)"
)


def chromium_executable() -> str | None:
    """The system Chromium (Playwright cannot download its own here), or None."""
    try:
        import playwright  # noqa: F401
    except ImportError:
        return None
    found = os.environ.get("OMNI_CHROMIUM") or shutil.which("chromium")
    return found or shutil.which("chromium-browser")


class StaffPage:
    """A page plus what went wrong in it: uncaught errors, console errors, dialogs."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.on("console", self._console)
        page.on("dialog", self._dialog)

    def _console(self, message: Any) -> None:
        if message.type == "error" and "WebSocket" not in message.text:
            self.errors.append(message.text)  # a dropped socket during a restart is expected

    async def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        await dialog.dismiss()

    def card(self, pickup_id: str, column: str | None = None) -> Any:
        where = f'[data-column="{column}"] ' if column else ""
        return self.page.locator(f'{where}[data-testid="card"][data-id="{pickup_id}"]')

    async def screenshot(self, name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        await self.page.screenshot(path=str(path), full_page=True)
        return path


@asynccontextmanager
async def signed_in(
    browser: Any, base: str, token: str, path: str = "/staff"
) -> AsyncIterator[StaffPage]:
    """A fresh browser context (its own sessionStorage: another tablet), signed in by pasting
    the token on the sign-in page, then on `path` once it has loaded."""
    context = await browser.new_context(viewport={"width": 1400, "height": 900})
    try:
        staff = StaffPage(await context.new_page())
        await staff.page.goto(f"{base}/staff/signin?next={path}")
        await staff.page.fill("textarea[name=token]", token)
        await staff.page.click("#paste button")
        await staff.page.wait_for_url(f"{base}{path}")
        yield staff
    finally:
        await context.close()
