"""Users (trainees and supervisors) and cohorts (classes of trainees)."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models


class Role(models.TextChoices):
    """What a user may do: trainees submit contours; supervisors run cohorts, datasets and cases."""

    TRAINEE = "trainee", "Trainee"
    SUPERVISOR = "supervisor", "Supervisor"


class User(AbstractUser):
    """A MyoQA user. ``role`` decides every permission; the full name is shown in reports and overviews."""

    role = models.CharField(max_length=20, choices=Role.choices, default=Role.TRAINEE)

    def save(self, *args, **kwargs) -> None:
        """Save; a superuser is always a supervisor (so ``manage.py createsuperuser`` makes the first supervisor)."""
        if self.is_superuser and self.role != Role.SUPERVISOR:
            self.role = Role.SUPERVISOR
            update_fields = kwargs.get("update_fields")
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "role"}
        super().save(*args, **kwargs)

    @property
    def is_supervisor(self) -> bool:
        return self.role == Role.SUPERVISOR

    @property
    def is_trainee(self) -> bool:
        return self.role == Role.TRAINEE

    @property
    def full_name(self) -> str:
        return self.get_full_name() or self.username


class Cohort(models.Model):
    """A class of trainees run by a supervisor."""

    name = models.CharField(max_length=120)
    supervisor = models.ForeignKey(User, on_delete=models.PROTECT, related_name="supervised_cohorts")
    trainees = models.ManyToManyField(User, related_name="cohorts", blank=True)
    archived_at = models.DateTimeField(
        null=True, blank=True, help_text="archived: hidden from its trainees, kept in reports and exports"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [models.UniqueConstraint(fields=["supervisor", "name"], name="cohort_name_unique_per_supervisor")]

    def __str__(self) -> str:
        return self.name
