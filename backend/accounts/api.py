"""Auth, cohorts, overview and trainee history endpoints (thin: parse, authorise, call one service/selector)."""

from __future__ import annotations

from django.contrib.auth import authenticate, login, logout
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import ensure_csrf_cookie
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.core.api import validated

from . import selectors, services
from .models import User


def user_out(u: User | None) -> dict | None:
    """Public fields of a user."""
    if u is None:
        return None
    return {"id": u.pk, "username": u.username, "full_name": u.full_name, "role": u.role}


def cohort_out(c) -> dict:
    return {
        "id": c.pk,
        "name": c.name,
        "supervisor": user_out(c.supervisor),
        "trainees": [user_out(t) for t in c.trainees.all()],
        "datasets": [{"id": d.pk, "name": d.name} for d in c.datasets.all()],
    }


class LoginIn(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=4096, trim_whitespace=False)


class CohortIn(serializers.Serializer):
    name = serializers.CharField(max_length=120)


class TraineeIn(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    full_name = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)
    password = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=4096, trim_whitespace=False
    )


@method_decorator(ensure_csrf_cookie, name="dispatch")
class MeView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(responses={200: dict})
    def get(self, request):
        return Response({"user": user_out(request.user) if request.user.is_authenticated else None})


class LoginView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(request=LoginIn, responses={200: dict})
    def post(self, request):
        v = validated(LoginIn, request.data)
        user = authenticate(request, username=v["username"], password=v["password"])
        if user is None:
            return Response({"detail": "Wrong username or password."}, status=status.HTTP_400_BAD_REQUEST)
        login(request, user)
        return Response({"user": user_out(user)})


class LogoutView(APIView):
    permission_classes = [AllowAny]

    def post(self, request):
        logout(request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class CohortListView(APIView):
    @extend_schema(responses={200: dict})
    def get(self, request):
        return Response([cohort_out(c) for c in selectors.cohort_list(user=request.user)])

    @extend_schema(request=CohortIn, responses={201: dict})
    def post(self, request):
        if not request.user.is_supervisor:
            return Response({"detail": "Only supervisors create cohorts."}, status=status.HTTP_403_FORBIDDEN)
        v = validated(CohortIn, request.data)
        c = services.cohort_create(supervisor=request.user, name=v["name"])
        return Response(cohort_out(c), status=status.HTTP_201_CREATED)


class CohortTraineesView(APIView):
    @extend_schema(request=TraineeIn, responses={200: dict})
    def post(self, request, cohort_id: int):
        cohort = selectors.cohort_get(user=request.user, cohort_id=cohort_id, manage=True)
        v = validated(TraineeIn, request.data)
        services.cohort_add_trainee(cohort=cohort, **v)
        return Response(cohort_out(selectors.cohort_get(user=request.user, cohort_id=cohort_id)))


class CohortTraineeView(APIView):
    def delete(self, request, cohort_id: int, user_id: int):
        cohort = selectors.cohort_get(user=request.user, cohort_id=cohort_id, manage=True)
        services.cohort_remove_trainee(cohort=cohort, user=selectors.cohort_trainee_get(cohort=cohort, user_id=user_id))
        return Response(cohort_out(selectors.cohort_get(user=request.user, cohort_id=cohort_id)))
