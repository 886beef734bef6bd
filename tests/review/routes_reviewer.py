"""Access routes of the review app's reviewer pages (see tests/core/test_access.py)."""

from tests.routes import Route

ROUTES: list[Route] = []
