from django.apps import AppConfig


class CnnConfig(AppConfig):
    """The automatic consensus: consensus CNN models (versions, model cards, the active one) and training runs."""

    name = "backend.cnn"
    label = "cnn"
