"""Cross-supervisor isolation on every endpoint of the URL conf, enumerated from the resolver (a new endpoint is
walked without being listed here): three supervisors, a trainee enrolled by two of them.

As S1 and as S3, every method of every route that takes an object id is called with S2's objects and must be
refused (404, or 403/405 for a role the route is not for) without changing them; every GET of a list, and every
read about the shared trainee, must carry none of S2's names or scores. What S1 sees of the shared trainee is
only S1's: their cases and their scores.
"""

from __future__ import annotations

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from backend.cases.models import ReferenceContour
from backend.submissions.models import Submission
from tests.backend.conftest import ApiClient
from tests.backend.three_supervisors import three  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db

METHODS = ("get", "post", "put", "patch", "delete")

SITE_WIDE = {
    "api/consensus-models/<int:model_id>": "a consensus model is the site's (no supervisor's data in it)",
    "api/consensus-models/<int:model_id>/activate": "a consensus model is the site's",
    "api/static/<path:path>": "the API documentation's own assets (files of the site, no one's data)",
}
"""Routes with an id that is not any supervisor's object, and why."""

NO_WRITE = ("api/auth/",)
"""Routes not written to by the walk: signing out would end the walking supervisor's session."""


def routes() -> list[tuple[str, type]]:
    """Every (route, view class) of the URL conf, includes flattened."""
    out: list[tuple[str, type]] = []

    def walk(patterns, prefix: str) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern):
                view = getattr(p.callback, "view_class", None) or getattr(p.callback, "cls", None)
                out.append((prefix + str(p.pattern), view))

    walk(get_resolver().url_patterns, "")
    return out


CHOICES = {"fmt": "seg"}
"""URL parts that name no object (a format), and the value the walk uses."""


def fill(route: str, ids: dict[str, int]) -> str:
    """A URL of the route (``path`` converters or a ``re_path`` regex) with these objects' ids."""

    def value(name: str) -> str:
        if name in CHOICES:
            return CHOICES[name]
        assert name in ids, f"the walk does not know whose object <{name}> is: add it to the ids ({route})"
        return str(ids[name])

    if route.startswith("^"):  # a regex route: its named groups, then the literal rest
        url = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: value(m.group(1)), route)
        return "/" + url.strip("^$").replace("\\.", ".")
    return "/" + re.sub(r"<(?:(\w+):)?(\w+)>", lambda m: value(m.group(2)), route)


def call(c: ApiClient, method: str, url: str):
    """One request as the SPA sends it (CSRF header; an empty JSON object as the body of a write)."""
    if method == "get":
        return c.get(url)
    if method == "delete":
        return c.delete(url)
    return getattr(c.c, method)(url, {}, content_type="application/json", HTTP_X_CSRFTOKEN=c.token)


def text_of(r) -> str:
    if getattr(r, "streaming", False):
        return b"".join(r.streaming_content).decode("latin-1")
    return r.content.decode("latin-1")


def leaks(body: str, markers: list[str]) -> list[str]:
    return [m for m in markers if m in body]


def test_every_endpoint_refuses_or_filters_another_supervisors_objects(three):  # noqa: F811
    s1, s2, s3, shared = three
    # S2 and the shared trainee use S2's content first, so the audit log has S2's entries to leak (it must not).
    c2, ct = ApiClient(s2.supervisor), ApiClient(shared)
    for url in (f"/api/cases/{s2.case.pk}/pixels", f"/api/submissions/{s2.submission.pk}"):
        assert c2.get(url).status_code == 200
    assert c2.patch(f"/api/cases/{s2.case.pk}", {"title": "Case of S2"}).status_code == 200
    assert ct.get(f"/api/cases/{s2.case.pk}/pixels").status_code == 200
    assert ct.get(f"/api/submissions/{s2.shared_submission.pk}").status_code == 200

    s2_ids = {
        "cohort_id": s2.cohort.pk,
        "trainee_id": s2.trainee.pk,
        "user_id": s2.trainee.pk,
        "dataset_id": s2.dataset.pk,
        "case_id": s2.case.pk,
        "submission_id": s2.submission.pk,
        "job_id": s2.report.pk,
        "run_id": s2.run.pk,
        "model_id": 1,
        "path": "swagger-ui.css",
    }
    before = {
        "references": ReferenceContour.objects.filter(case=s2.case).count(),
        "submissions": Submission.objects.filter(case=s2.case).count(),
    }
    all_routes = routes()
    assert len(all_routes) >= 40, "the resolver walk found too few routes"
    walked: list[str] = []
    for sup in (s1.supervisor, s3.supervisor):
        reader = ApiClient(sup)
        for route, view in all_routes:
            # A plain function view answers any method: walk its GET.
            methods = [m for m in METHODS if callable(getattr(view, m, None))] if view is not None else ["get"]
            takes_id = "<" in route and not route.startswith("api/static/")
            url = fill(route, s2_ids)
            for m in methods:
                if m != "get" and (not takes_id or route.startswith(NO_WRITE)):
                    continue  # creating one's own objects is covered by test_isolation.py, with S2's ids in bodies
                c = reader if m == "get" else ApiClient(sup)
                r = call(c, m, url)
                body = text_of(r)
                walked.append(f"{m.upper()} {route}")
                assert not leaks(body, s2.markers), (sup.username, m, url, leaks(body, s2.markers))
                if takes_id and route not in SITE_WIDE:
                    assert r.status_code in (403, 404, 405), (sup.username, m, url, r.status_code, body[:300])
                    if m == "get":
                        assert r.status_code == 404, (sup.username, url, r.status_code)
        # Lists filtered by S2's ids, and the exports and audit log.
        for url in (
            f"/api/submissions/?trainee={s2.trainee.pk}",
            f"/api/submissions/?case={s2.case.pk}",
            f"/api/audit/?user={s2.supervisor.pk}",
            f"/api/audit/?user={shared.pk}",
            "/api/audit/export.csv",
        ):
            r = reader.get(url)
            assert r.status_code == 200 and not leaks(text_of(r), s2.markers), (url, leaks(text_of(r), s2.markers))
        for q in (f"cohort={s2.cohort.pk}", f"dataset={s2.dataset.pk}", f"trainee={s2.trainee.pk}"):
            assert reader.get(f"/api/exports/results.csv?{q}").status_code == 404, q
    assert any(w.startswith("DELETE api/cases/") for w in walked) and any("exports" in w for w in walked)

    # Nothing of S2's changed.
    for obj in (s2.cohort, s2.dataset, s2.case, s2.trainee):
        obj.refresh_from_db()
    assert s2.case.title == "Case of S2" and s2.case.archived_at is None and s2.dataset.archived_at is None
    assert s2.cohort.archived_at is None and s2.cohort.name == "Cohort of S2"
    assert list(s2.cohort.trainees.order_by("pk")) == sorted([s2.trainee, shared], key=lambda u: u.pk)
    assert ReferenceContour.objects.filter(case=s2.case).count() == before["references"]
    assert Submission.objects.filter(case=s2.case).count() == before["submissions"]


def test_what_s1_reads_of_the_shared_trainee_is_s1s_alone(three):  # noqa: F811
    s1, s2, s3, shared = three
    c1 = ApiClient(s1.supervisor)
    trainee_routes = [r for r, _ in routes() if "<int:trainee_id>" in r]
    assert len(trainee_routes) >= 4
    for route in trainee_routes:
        url = fill(route, {"trainee_id": shared.pk})
        r = c1.get(url)
        if r.status_code == 405:
            continue
        assert r.status_code == 200, (url, r.status_code)
        assert not leaks(text_of(r), s2.markers), (url, leaks(text_of(r), s2.markers))
    history = c1.get(f"/api/trainees/{shared.pk}/history").json()
    assert [x["case_id"] for x in history["submissions"]] == [s1.case.pk]
    csv_text = text_of(c1.get(f"/api/exports/results.csv?trainee={shared.pk}"))
    assert "Case of S1" in csv_text and not leaks(csv_text, s2.markers)
    assert c1.get(f"/api/submissions/{s2.shared_submission.pk}").status_code == 404
    # S1 may not delete a trainee S2 also runs (S2's cases and scores are not S1's to delete).
    r = ApiClient(s1.supervisor).delete(f"/api/trainees/{shared.pk}")
    assert r.status_code == 400 and "another supervisor" in r.json()["detail"]
    assert Submission.objects.filter(trainee=shared).count() == 2
    # S3 knows nothing of them.
    c3 = ApiClient(s3.supervisor)
    for route in trainee_routes:
        r = c3.get(fill(route, {"trainee_id": shared.pk}))
        assert r.status_code in (404, 405), route
