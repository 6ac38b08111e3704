"""Audit log endpoints (supervisors): the list, filtered by user and date, and its CSV export (thin views)."""

from __future__ import annotations

import csv
import io
import json

from django.http import HttpResponse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.core.api import FILE_RENDERERS, IdField, validated

from . import selectors


class AuditQuery(serializers.Serializer):
    """Filters of the audit log: who, from when, until when."""

    user = IdField(what="user", required=False, help_text="only entries by this user (id)")
    since = serializers.DateTimeField(required=False, help_text="from this time (ISO 8601), inclusive")
    until = serializers.DateTimeField(required=False, help_text="until this time (ISO 8601), exclusive")
    limit = serializers.IntegerField(required=False, default=1000, min_value=1, max_value=100_000)


class AuditEntrySerializer(serializers.Serializer):
    """One entry: an access (a view or download) or a change (create, update, delete)."""

    at = serializers.DateTimeField()
    entry = serializers.ChoiceField(choices=["access", "change"])
    actor_id = serializers.IntegerField(allow_null=True)
    actor = serializers.CharField(allow_blank=True)
    action = serializers.CharField()
    object_type = serializers.CharField()
    object_id = serializers.CharField(allow_blank=True)
    object = serializers.CharField(allow_blank=True)
    changes = serializers.DictField(child=serializers.JSONField(), help_text="field -> [old, new]")
    path = serializers.CharField(allow_blank=True)


CSV_COLUMNS = ["at", "entry", "actor_id", "actor", "action", "object_type", "object_id", "object", "changes", "path"]


def _query(request) -> dict:
    q = validated(AuditQuery, request.query_params, what="The query string")
    return {
        "actor_id": q.get("user"),
        "since": q.get("since"),
        "until": q.get("until"),
        "limit": q.get("limit", 1000),
    }


def _supervisor_only(request) -> Response | None:
    if not request.user.is_supervisor:
        return Response({"detail": "The audit log is for supervisors."}, status=status.HTTP_403_FORBIDDEN)
    return None


class AuditListView(APIView):
    @extend_schema(parameters=[AuditQuery], responses={200: AuditEntrySerializer(many=True)})
    def get(self, request):
        refused = _supervisor_only(request)
        if refused:
            return refused
        rows = selectors.audit_list(user=request.user, **_query(request))
        return Response(AuditEntrySerializer(rows, many=True).data)


class AuditExportView(APIView):
    renderer_classes = FILE_RENDERERS

    @extend_schema(parameters=[AuditQuery], responses={(200, "text/csv"): bytes})
    def get(self, request):
        refused = _supervisor_only(request)
        if refused:
            return refused
        rows = selectors.audit_list(user=request.user, **_query(request))
        buf = io.StringIO()
        w = csv.DictWriter(buf, fieldnames=CSV_COLUMNS, lineterminator="\n")
        w.writeheader()
        for r in rows:
            w.writerow({**r, "at": r["at"].isoformat(), "changes": json.dumps(r["changes"]) if r["changes"] else ""})
        resp = HttpResponse(buf.getvalue().encode(), content_type="text/csv; charset=utf-8")
        resp["Content-Disposition"] = 'attachment; filename="myoqa-audit.csv"'
        return resp
