"""``python manage.py register_model FOLDER [--activate]``: register a model trained with ``python -m ml.train``.

The folder (``model.keras`` + ``model_card.json``) is copied into ``MYOQA_MODEL_ROOT``. Without ``--activate`` the
model waits for a supervisor to activate it from its model card in the app.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from backend.cnn.services import ModelError, model_register


class Command(BaseCommand):
    help = "Register a consensus model folder written by python -m ml.train (optionally activate it)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("folder", type=Path)
        parser.add_argument("--activate", action="store_true", help="make it the active model at once")

    def handle(self, *args, **opt) -> None:
        try:
            m = model_register(folder=opt["folder"], activate=opt["activate"])
        except ModelError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"Registered {m.version} ({m.head}){' - active' if m.is_active else ''}.")
