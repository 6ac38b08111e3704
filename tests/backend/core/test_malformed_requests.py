"""Every endpoint, every malformed input, every user: a 4xx with a ``detail`` sentence, never a 5xx.

The table is built from the URL conf (every route, every method its view defines) and the OpenAPI schema (the
fields of each request body): each GET gets malformed query parameters and malformed path ids, each unsafe method
gets malformed JSON bodies (not an object, each field null / a list / a string / an object / a bool / negative /
huge / NUL, unknown ids) and, for the upload endpoints, malformed multipart fields; all of it as trainee A,
the supervisor, trainee B (the outsider) and anonymous.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from drf_spectacular.generators import SchemaGenerator

from backend.cnn.models import ConsensusModel, TrainingRun
from backend.progress.models import ReportJob
from backend.submissions.models import Submission
from tests.backend.conftest import ApiClient, sav_upload

pytestmark = pytest.mark.django_db

HUGE = 10**30
NOT_SENT = ("/api/schema/", "/api/docs/")  # generated documentation, no input
# Query parameters any list endpoint might read, and values no endpoint can take.
QUERY_NAMES = ("case", "trainee", "page")
QUERY_VALUES = ("abc", "1.5", "", "-1", "0", str(HUGE), "9223372036854775808", "1e3", "\x00", "[5]", "null")
# JSON texts that are not an object (the body of every form is one).
RAW_BODIES = ("null", "[]", "[{}]", '"x"', "5", "true", "{}", "{", "", "1e400", '{"a": NaN}')
# Values no field takes, each sent in place of every field of a body.
BAD_VALUES: tuple[object, ...] = (None, [5], ["x"], "x", "", {"a": 1}, True, -1, 0, HUGE, 1.5, "\x00", "a" * 5000)
RAW_VALUES = ("1e400", "-1e400", "9223372036854775808")  # as JSON text: a float overflow, a bigint overflow
MULTIPART_VALUES = ("abc", "", "1.5", str(HUGE), "-1", "0", "\x00", "9223372036854775808")
# Fields sent to every unsafe endpoint in addition to its schema's (upload forms are not described as JSON).
EXTRA_FIELDS = ("case", "dataset", "title", "name", "kind", "trainee_id", "cohort_id", "dataset_ids", "cohort_ids")
PATH_IDS_BAD = (0, 999_999, 9223372036854775808, HUGE)


@dataclass
class Sent:
    total: int = 0
    server_errors: list[str] = field(default_factory=list)
    no_sentence: list[str] = field(default_factory=list)


def is_sentence(text: object) -> bool:
    """A message a person reads: starts with a capital (or a quote), ends with a full stop, '?' or '!'."""
    if not isinstance(text, str) or len(text.strip()) < 4:
        return False
    t = text.strip()
    return (t[0].isupper() or t[0] in "\"'") and t[-1] in ".?!"


def routes() -> list[tuple[str, type]]:
    """(route, view class) of every URL of the API, e.g. ``("api/cases/<int:case_id>", CaseDetailView)``."""
    out = []

    def walk(patterns, prefix=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern):
                view = getattr(p.callback, "view_class", None) or getattr(p.callback, "cls", None)
                if view is not None:
                    out.append((prefix + _as_route(str(p.pattern)), view))

    walk(get_resolver().url_patterns)
    return out


def _as_route(pattern: str) -> str:
    """A ``re_path`` pattern in ``path`` form: numeric groups become ``<int:name>``, an alternation its first
    choice (``^api/cases/(?P<case_id>[0-9]+)/reference\\.(?P<fmt>seg|rtstruct)\\.dcm$`` ->
    ``api/cases/<int:case_id>/reference.seg.dcm``); a ``path`` route is returned as it is."""
    if not pattern.startswith("^"):
        return pattern
    r = re.sub(r"\(\?P<(\w+)>\[0-9\]\+\)", r"<int:\1>", pattern.strip("^$"))
    r = re.sub(r"\(\?P<\w+>([^|)]+)[^)]*\)", r"\1", r)
    return r.replace("\\.", ".")


def methods_of(view: type) -> list[str]:
    return [m for m in ("get", "post", "put", "patch", "delete") if hasattr(view, m)]


def body_fields() -> dict[tuple[str, str], list[str]]:
    """{(path, method): the property names of its JSON request body}, from the OpenAPI schema."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    comps = schema.get("components", {}).get("schemas", {})
    out: dict[tuple[str, str], list[str]] = {}
    for path, item in schema["paths"].items():
        for method, op in item.items():
            content = (op.get("requestBody") or {}).get("content") or {}
            names: list[str] = []
            for media in content.values():
                ref = (media.get("schema") or {}).get("$ref", "")
                props = comps.get(ref.rsplit("/", 1)[-1], {}).get("properties", {}) if ref else {}
                names += [n for n in props if n not in names]
            out[(path, method)] = names
    return out


def schema_path(route: str) -> str:
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route)


def fill(route: str, ids: dict[str, int], bad: int | None = None) -> str:
    """The URL of a route with its ids (or every id replaced by ``bad``)."""
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(bad if bad is not None else ids[m.group(1)]), route)


def requests_for(route: str, view: type, ids: dict[str, int], fields: dict) -> Iterator[tuple[str, str, dict]]:
    """(method, url, client kwargs) of every malformed request of one route; DELETEs come last (see the caller)."""
    url = fill(route, ids)
    for method in methods_of(view):
        if method == "get":
            for name in QUERY_NAMES:
                for value in QUERY_VALUES:
                    yield "get", url, {"data": {name: value}}
            yield "get", url, {"QUERY_STRING": "case=1&case=abc&trainee=%00"}
        for bad in PATH_IDS_BAD if "<" in route else ():
            yield method, fill(route, ids, bad), {}
        if method == "get":
            continue
        for raw in RAW_BODIES:
            yield method, url, {"raw": raw}
        names = list(dict.fromkeys([*fields.get((schema_path(route), method), []), *EXTRA_FIELDS]))
        for name in names:
            for value in BAD_VALUES:
                yield method, url, {"json": {name: value}}
            for raw in RAW_VALUES:
                yield method, url, {"raw": f'{{"{name}": {raw}}}'}
            yield method, url, {"json": {name: 999_999 if "ids" not in name else [999_999]}}  # unknown ids
        if method == "post" and route in ("api/submissions/", "api/cases/", "api/practice/"):
            for name in ("case", "dataset", "title"):
                for value in MULTIPART_VALUES:
                    yield method, url, {"multipart": {name: value}}
                yield method, url, {"multipart": {name: list(MULTIPART_VALUES[:3])}}


def send(client: ApiClient, method: str, url: str, kw: dict):
    kw = dict(kw)
    token = {"HTTP_X_CSRFTOKEN": client.token}
    if method == "get":
        if "QUERY_STRING" in kw:
            return client.c.get(url, QUERY_STRING=kw["QUERY_STRING"])
        return client.c.get(url, kw.get("data"))
    call = getattr(client.c, method)
    if "multipart" in kw:
        assert method == "post"
        return client.c.post(url, kw["multipart"], **token)
    if "json" in kw:
        return call(url, json.dumps(kw["json"]), content_type="application/json", **token)
    if "raw" in kw:
        return call(url, kw["raw"], content_type="application/json", **token)
    return call(url, **token)


@pytest.fixture
def world(supervisor, trainee_a, trainee_b, cohort, dataset, case, phantom):
    """One of everything, owned by the supervisor and trainee A: the ids the routes are filled with."""
    from backend.submissions.services import submission_create

    sub = submission_create(trainee=trainee_a, case=case, contours=sav_upload(phantom.endocardium, phantom.epicardium))
    model = ConsensusModel.objects.create(version="fuzz-1", head="unet", folder="nowhere", card={})
    run = TrainingRun.objects.create(requested_by=supervisor)
    run.datasets.set([dataset])
    job = ReportJob.objects.create(kind="trainee", requested_by=trainee_a, trainee=trainee_a)
    assert Submission.objects.count() == 1
    return {
        "cohort_id": cohort.pk,
        "user_id": trainee_a.pk,
        "trainee_id": trainee_a.pk,
        "dataset_id": dataset.pk,
        "case_id": case.pk,
        "submission_id": sub.pk,
        "model_id": model.pk,
        "run_id": run.pk,
        "job_id": job.pk,
    }


@pytest.mark.parametrize("who", ["trainee_a", "supervisor", "trainee_b", "anonymous"])
def test_no_malformed_request_gets_a_server_error_and_every_refusal_says_why(who, world, request):
    user = None if who == "anonymous" else request.getfixturevalue(who)
    client = ApiClient(user)
    client.c.raise_request_exception = False  # count a 500, do not stop at the first
    fields = body_fields()
    table = [
        r for route, view in routes() if "/" + route not in NOT_SENT for r in requests_for(route, view, world, fields)
    ]
    table.sort(key=lambda r: r[0] == "delete")  # removing trainee A from the cohort last keeps the rest meaningful
    sent = Sent()
    for method, url, kw in table:
        r = send(client, method, url, kw)
        sent.total += 1
        what = f"{method.upper()} {url} {kw!r}"[:300]
        if r.status_code >= 500:
            sent.server_errors.append(f"{r.status_code} {what}")
        elif r.status_code >= 400:
            try:
                detail = r.json().get("detail")
            except (ValueError, AttributeError):
                detail = None
            if not is_sentence(detail):
                sent.no_sentence.append(f"{r.status_code} {what} -> {r.content[:200]!r}")
        if url.startswith("/api/auth/") and user is not None:
            client.c.force_login(user)  # a login or logout attempt must not change who sends the rest
    print(
        f"{who}: {sent.total} requests, {len(sent.server_errors)} 5xx, {len(sent.no_sentence)} 4xx without a sentence"
    )
    assert sent.total > 1000
    assert not sent.server_errors, "\n".join(sent.server_errors[:40])
    assert not sent.no_sentence, "\n".join(sent.no_sentence[:40])
