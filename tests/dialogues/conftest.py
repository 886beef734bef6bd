import pytest


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):  # type: ignore[no-untyped-def]
    """Uploads go to a folder of the test's own, so tests never see each other's files."""
    settings.MEDIA_ROOT = tmp_path / "media"
