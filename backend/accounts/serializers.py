"""Response shapes of the accounts endpoints, for the OpenAPI schema (and so the front-end's types)."""

from __future__ import annotations

from rest_framework import serializers


class UserOut(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    full_name = serializers.CharField()
    role = serializers.ChoiceField(choices=["trainee", "supervisor"])


class AccountOut(UserOut):
    """A trainee as their supervisor sees them."""

    is_active = serializers.BooleanField(help_text="false: deactivated (cannot sign in; their work stays)")
    directory = serializers.BooleanField(help_text="signs in with the hospital directory (no local password)")


class UserEnvelopeOut(serializers.Serializer):
    user = UserOut()


class MeOut(serializers.Serializer):
    user = UserOut(allow_null=True, help_text="null when nobody is signed in")


class LockedOut(serializers.Serializer):
    """429 after too many failed logins."""

    detail = serializers.CharField()
    locked_until = serializers.DateTimeField()
