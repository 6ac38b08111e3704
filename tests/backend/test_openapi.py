from __future__ import annotations

import pytest
import yaml

from tests.backend.conftest import ApiClient

pytestmark = pytest.mark.django_db


def test_the_openapi_schema_is_served_and_lists_the_endpoints(trainee_a):
    r = ApiClient(trainee_a).get("/api/schema/")
    assert r.status_code == 200
    schema = yaml.safe_load(r.content)
    assert schema["info"]["title"] == "MyoQA API"
    paths = set(schema["paths"])
    for p in (
        "/api/submissions/",
        "/api/submissions/{submission_id}",
        "/api/cases/",
        "/api/cohorts/{cohort_id}/overview",
        "/api/auth/login",
        "/api/practice/",
    ):
        assert p in paths, p


def test_anonymous_users_get_nothing_but_the_login(db, case):
    c = ApiClient()
    assert c.get("/api/auth/me").json() == {"user": None}
    for url in ("/api/cases/", f"/api/cases/{case.pk}", "/api/submissions/", "/api/datasets/", "/api/cohorts/"):
        assert c.get(url).status_code in (401, 403), url
