"""A reviewer of the project an export comes from is told no (403), not that it is missing."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.conftest import client_for
from tests.exports.routes import _file, _ver

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("name", "arguments"),
    [
        ("exports:version_detail", _ver),
        ("exports:version_archive", _ver),
        ("exports:version_file", _file),
        ("api_export_detail", _ver),
        ("api_export_archive", _ver),
        ("api_export_file", _file),
    ],
)
def test_a_reviewer_of_the_project_is_refused_its_export_with_403(world, name, arguments):
    response = client_for(world.reviewer).get(reverse(name, kwargs=arguments(world)))

    assert response.status_code == 403
