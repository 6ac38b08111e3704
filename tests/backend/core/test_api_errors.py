"""backend.core.api: errors reach the user as one line in their words, the field named by its words, not its key."""

from __future__ import annotations

import pytest

from tests.backend.conftest import ApiClient

pytestmark = pytest.mark.django_db


def test_a_serializer_error_names_the_field_in_words_and_keeps_its_key_for_the_form(supervisor):
    r = ApiClient(supervisor).post("/api/cohorts/", {"name": ""})
    assert r.status_code == 400
    body = r.json()
    assert body["field"] == "name"
    assert body["detail"].startswith("Name: ")


def test_a_multi_word_field_is_named_without_its_underscores(supervisor):
    r = ApiClient(supervisor).post("/api/datasets/", {"name": "T1 course", "consensus_source": "nonsense"})
    assert r.status_code == 400, r.content
    body = r.json()
    assert body["field"] == "consensus_source" and body["detail"].startswith("Consensus source: ")
