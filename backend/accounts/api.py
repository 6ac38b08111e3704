"""Auth, cohorts, overview and trainee history endpoints (thin: parse, authorise, call one service/selector)."""

from __future__ import annotations

from django.contrib.auth import login, logout
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import ensure_csrf_cookie
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.core.api import validated

from . import auth, selectors, services, throttle
from .models import User
from .serializers import LockedOut, MeOut, UserEnvelopeOut


def user_out(u: User | None) -> dict | None:
    """Public fields of a user."""
    if u is None:
        return None
    return {"id": u.pk, "username": u.username, "full_name": u.full_name, "role": u.role}


def account_out(u: User) -> dict:
    """A trainee as their supervisor sees them: the public fields, whether the account is active, and whether it
    signs in with the hospital directory (no local password to reset)."""
    return {**(user_out(u) or {}), "is_active": u.is_active, "directory": auth.is_directory_account(u)}


def cohort_out(c) -> dict:
    return {
        "id": c.pk,
        "name": c.name,
        "supervisor": user_out(c.supervisor),
        "trainees": [account_out(t) for t in c.trainees.all()],
        "datasets": [{"id": d.pk, "name": d.name} for d in c.datasets.all()],
        "archived": c.archived_at is not None,
    }


class LoginIn(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=4096, trim_whitespace=False)


class CohortIn(serializers.Serializer):
    name = serializers.CharField(max_length=120)


class CohortUpdateIn(serializers.Serializer):
    name = serializers.CharField(max_length=120, required=False)
    archived = serializers.BooleanField(required=False, help_text="archive (hide from its trainees) or bring back")

    def validate(self, attrs: dict) -> dict:
        if not attrs:
            raise serializers.ValidationError("Say what to change: name or archived.")
        return attrs


class DeletedOut(serializers.Serializer):
    """What a deletion removed."""

    deleted = serializers.BooleanField()
    files_deleted = serializers.IntegerField(help_text="stored files removed from the media store")


class TraineeIn(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    full_name = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)
    password = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=4096, trim_whitespace=False
    )


@method_decorator(ensure_csrf_cookie, name="dispatch")
class MeView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(responses={200: MeOut})
    def get(self, request):
        return Response({"user": user_out(request.user) if request.user.is_authenticated else None})


class LoginView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        request=LoginIn,
        responses={200: UserEnvelopeOut, 429: LockedOut},
        description="Local accounts and, where configured, the hospital directory. 400 with a sentence (wrong "
        "username or password, deactivated, not in a MyoQA group of the directory); 429 when locked out after too "
        "many failures, with `locked_until` and a Retry-After header.",
    )
    def post(self, request):
        v = validated(LoginIn, request.data)
        try:
            user = auth.user_authenticate(request=request._request, username=v["username"], password=v["password"])
        except auth.LoginFailed as exc:
            if exc.locked_out:
                return throttle.lockout_response(request._request, None, {"username": v["username"]})
            return Response({"detail": exc.message}, status=status.HTTP_400_BAD_REQUEST)
        login(request, user)
        return Response({"user": user_out(user)})


class LogoutView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(request=None, responses={204: None})
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
        services.cohort_add_trainee(cohort=cohort, **v, password_rules=True)
        return Response(cohort_out(selectors.cohort_get(user=request.user, cohort_id=cohort_id)))


class CohortTraineeView(APIView):
    @extend_schema(responses={200: dict})
    def delete(self, request, cohort_id: int, user_id: int):
        cohort = selectors.cohort_get(user=request.user, cohort_id=cohort_id, manage=True)
        services.cohort_remove_trainee(cohort=cohort, user=selectors.cohort_trainee_get(cohort=cohort, user_id=user_id))
        return Response(cohort_out(selectors.cohort_get(user=request.user, cohort_id=cohort_id)))


class CohortDetailView(APIView):
    """Rename or archive a cohort, or delete it with its class reports (its supervisor only)."""

    @extend_schema(request=CohortUpdateIn, responses={200: dict})
    def patch(self, request, cohort_id: int):
        cohort = selectors.cohort_get(user=request.user, cohort_id=cohort_id, manage=True)
        v = validated(CohortUpdateIn, request.data)
        services.cohort_update(cohort=cohort, name=v.get("name"), archived=v.get("archived"))
        return Response(cohort_out(selectors.cohort_get(user=request.user, cohort_id=cohort_id)))

    @extend_schema(responses={200: DeletedOut})
    def delete(self, request, cohort_id: int):
        from backend.progress.deletion import cohort_delete

        cohort = selectors.cohort_get(user=request.user, cohort_id=cohort_id, manage=True)
        n = cohort_delete(user=request.user, cohort=cohort)
        return Response(DeletedOut({"deleted": True, "files_deleted": n}).data)


class TraineeDeleteView(APIView):
    """Delete a trainee's account and all their data (a supervisor who runs every cohort they are in)."""

    @extend_schema(responses={200: DeletedOut})
    def delete(self, request, trainee_id: int):
        from backend.progress.deletion import trainee_delete

        if not request.user.is_supervisor:
            return Response({"detail": "Only supervisors delete accounts."}, status=status.HTTP_403_FORBIDDEN)
        trainee = selectors.trainee_get(user=request.user, trainee_id=trainee_id)
        n = trainee_delete(user=request.user, trainee=trainee)
        return Response(DeletedOut({"deleted": True, "files_deleted": n}).data)
