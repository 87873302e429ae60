"""The staff pages: a live pickup board and a click-to-collect dashboard, from this package."""

from api.pages.routes import staff_handlers

__all__ = ["staff_handlers"]
