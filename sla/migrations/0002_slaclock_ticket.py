import django.db.models.deletion
from django.db import migrations, models

import tenants.constraints


class Migration(migrations.Migration):
    dependencies = [
        ("sla", "0001_initial"),
        ("tickets", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="slaclock",
            name="ticket",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="clocks",
                to="tickets.ticket",
            ),
            preserve_default=False,
        ),
        migrations.AlterModelOptions(
            name="slaclock",
            options={"ordering": ["ticket", "metric"], "abstract": False, "base_manager_name": "base_objects"},
        ),
        migrations.AddConstraint(
            model_name="slaclock",
            constraint=models.UniqueConstraint(
                fields=("ticket", "metric"), name="clock_one_per_metric"
            ),
        ),
        migrations.AddConstraint(
            model_name="slaclock",
            constraint=tenants.constraints.SameTenantForeignKey(
                field="ticket", name="clock_ticket_same_tenant"
            ),
        ),
    ]
