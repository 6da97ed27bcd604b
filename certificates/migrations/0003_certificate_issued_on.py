import django.db.models.functions.datetime
from django.db import migrations, models
from django.db.models.functions import TruncDate

HELP_TEXT = (
    "The date printed on the certificate and signed into its verification "
    "address: the registry's date at issue. It never changes, even if the "
    "registry's time zone does."
)


def issued_on_fill(apps, schema_editor):
    # The date the token has signed so far: issued_at in the current time zone
    # (TruncDate uses it), so every printed address keeps verifying.
    for name in ("Certificate", "HistoricalCertificate"):
        model = apps.get_model("certificates", name)
        model.objects.update(issued_on=TruncDate("issued_at"))


class Migration(migrations.Migration):
    dependencies = [
        ("certificates", "0002_grant_secretariat"),
    ]

    operations = [
        migrations.AddField(
            model_name="certificate",
            name="issued_on",
            field=models.DateField(
                editable=False,
                help_text=HELP_TEXT,
                null=True,
                verbose_name="date of issue",
            ),
        ),
        migrations.AddField(
            model_name="historicalcertificate",
            name="issued_on",
            field=models.DateField(
                editable=False,
                help_text=HELP_TEXT,
                null=True,
                verbose_name="date of issue",
            ),
        ),
        migrations.RunPython(issued_on_fill, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="certificate",
            name="issued_on",
            field=models.DateField(
                editable=False, help_text=HELP_TEXT, verbose_name="date of issue"
            ),
        ),
        migrations.AlterField(
            model_name="historicalcertificate",
            name="issued_on",
            field=models.DateField(
                editable=False, help_text=HELP_TEXT, verbose_name="date of issue"
            ),
        ),
        migrations.AddConstraint(
            model_name="certificate",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    (
                        "year",
                        django.db.models.functions.datetime.ExtractYear("issued_on"),
                    )
                ),
                name="certificates_certificate_year_of_issue",
                violation_error_message=(
                    "The year in the serial number is the year of issue."
                ),
            ),
        ),
    ]
