from django.apps import AppConfig


class SubmissionsConfig(AppConfig):
    """Trainee submissions and their evaluations (the ``assess`` command lives here)."""

    name = "backend.submissions"
    label = "submissions"
