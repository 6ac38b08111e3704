"""Browser end-to-end: the API documentation page at /api/docs/ renders its operations in Chromium through the
proxy and behind its Content-Security-Policy (issue 12: it was blank, Swagger UI loaded from a CDN and an inline
script that the CSP refuses). ``api_docs.mjs`` opens the page, waits for the operations, checks that nothing came
from another origin and nothing was refused, and opens one operation."""

from __future__ import annotations

from tests.e2e.conftest import run_node


def test_the_api_docs_page_renders_its_operations_behind_the_csp(stack):
    r = run_node("api_docs.mjs", {"BASE_URL": stack}, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "DOCS OK" in r.stdout
    print(r.stdout)
