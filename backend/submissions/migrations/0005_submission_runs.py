from django.db import migrations, models


class Migration(migrations.Migration):
    """How many times a worker started an evaluation (redeliveries and sweeps of lost workers are bounded)."""

    dependencies = [
        ("submissions", "0004_submission_overlay_mode"),
    ]

    operations = [
        migrations.AddField(
            model_name="submission",
            name="runs",
            field=models.PositiveSmallIntegerField(
                default=0,
                help_text="how many times a worker started this evaluation (a stuck one is re-queued a few times)",
            ),
        ),
    ]
