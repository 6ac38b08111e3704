"""Password and account endpoints (thin: parse, authorise, call one service in :mod:`backend.accounts.auth`).

* ``POST /api/auth/password``: any signed-in user changes their own local password (stays signed in);
* ``POST /api/trainees/{id}/password``: a supervisor sets a trainee's password (a temporary one unless given);
* ``PATCH /api/trainees/{id}/account``: a supervisor deactivates or reactivates a trainee's account.

The trainee must be in one of the supervisor's cohorts (``selectors.trainee_get``): any other id is a 404, as if
it did not exist; a trainee calling the supervisor's endpoints gets a 403.
"""

from __future__ import annotations

from django.contrib.auth import update_session_auth_hash
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.core.api import validated

from . import auth, selectors
from .api import account_out
from .serializers import AccountOut, UserEnvelopeOut


class PasswordChangeIn(serializers.Serializer):
    old_password = serializers.CharField(max_length=4096, trim_whitespace=False)
    new_password = serializers.CharField(max_length=4096, trim_whitespace=False)


class PasswordResetIn(serializers.Serializer):
    password = serializers.CharField(
        max_length=4096,
        trim_whitespace=False,
        required=False,
        allow_blank=True,
        default="",
        help_text="the new password; left out: a temporary one is made and returned",
    )


class PasswordResetOut(serializers.Serializer):
    user = AccountOut()
    password = serializers.CharField(help_text="the password now set, shown once: hand it to the trainee")
    temporary = serializers.BooleanField(help_text="true when MyoQA made the password")


class AccountIn(serializers.Serializer):
    is_active = serializers.BooleanField(help_text="false deactivates the account, true reactivates it")


def _only_supervisors(request, what: str) -> Response | None:
    if not request.user.is_supervisor:
        return Response({"detail": f"Only supervisors {what}."}, status=status.HTTP_403_FORBIDDEN)
    return None


class PasswordChangeView(APIView):
    @extend_schema(
        request=PasswordChangeIn,
        responses={200: UserEnvelopeOut},
        description="Change one's own local password: 400 naming the field for a wrong current password or a new "
        "one the site's password rules refuse (their messages); directory accounts change it in the directory.",
    )
    def post(self, request):
        v = validated(PasswordChangeIn, request.data)
        user = auth.user_change_password(user=request.user, **v)
        update_session_auth_hash(request, user)  # this session stays signed in; the user's others end
        return Response({"user": account_out(user)})


class TraineePasswordView(APIView):
    @extend_schema(
        request=PasswordResetIn,
        responses={200: PasswordResetOut},
        description="A supervisor sets the password of a trainee of their cohorts (a temporary one unless given); "
        "the trainee's sessions end and a lock-out of their username is lifted.",
    )
    def post(self, request, trainee_id: int):
        refused = _only_supervisors(request, "reset trainees' passwords")
        if refused:
            return refused
        trainee = selectors.trainee_get(user=request.user, trainee_id=trainee_id)
        v = validated(PasswordResetIn, request.data)
        password = auth.trainee_password_reset(trainee=trainee, password=v["password"])
        return Response({"user": account_out(trainee), "password": password, "temporary": not v["password"]})


class TraineeAccountView(APIView):
    @extend_schema(
        request=AccountIn,
        responses={200: AccountOut},
        description="A supervisor deactivates (no sign-in, open sessions end, the work stays) or reactivates the "
        "account of a trainee of their cohorts.",
    )
    def patch(self, request, trainee_id: int):
        refused = _only_supervisors(request, "deactivate or reactivate accounts")
        if refused:
            return refused
        trainee = selectors.trainee_get(user=request.user, trainee_id=trainee_id)
        v = validated(AccountIn, request.data)
        return Response(account_out(auth.trainee_set_active(trainee=trainee, active=v["is_active"])))
