from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """Users (trainees, supervisors) and cohorts."""

    name = "backend.accounts"
    label = "accounts"
