from django.db import migrations, models


class Migration(migrations.Migration):
    """The audience a stored overlay was drawn for; overlays stored before it are drawn again on first request."""

    dependencies = [
        ("submissions", "0003_submission_summary"),
    ]

    operations = [
        migrations.AddField(
            model_name="submission",
            name="overlay_mode",
            field=models.CharField(
                blank=True,
                help_text="the audience the stored overlay was drawn for (OverlayMode); blank: none stored or unknown",
                max_length=20,
            ),
        ),
    ]
