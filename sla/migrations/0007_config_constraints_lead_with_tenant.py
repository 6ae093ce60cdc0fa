# Constraints on tenant data lead with `tenant`: model validation then filters on it (a
# scoped query), and the index serves tenant queries.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("sla", "0006_fill_next_alert_at"),
        ("tenants", "0004_user_time_zone"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="closuredate",
            name="closure_date_uniq",
        ),
        migrations.RemoveConstraint(
            model_name="supportpolicy",
            name="policy_version_uniq",
        ),
        migrations.RemoveConstraint(
            model_name="supportpolicy",
            name="policy_effective_uniq",
        ),
        migrations.RemoveConstraint(
            model_name="target",
            name="target_one_per_metric",
        ),
        migrations.AddConstraint(
            model_name="closuredate",
            constraint=models.UniqueConstraint(
                fields=("tenant", "calendar", "date"), name="closure_date_uniq"
            ),
        ),
        migrations.AddConstraint(
            model_name="supportpolicy",
            constraint=models.UniqueConstraint(
                fields=("tenant", "plan", "version"), name="policy_version_uniq"
            ),
        ),
        migrations.AddConstraint(
            model_name="supportpolicy",
            constraint=models.UniqueConstraint(
                fields=("tenant", "plan", "effective_from"), name="policy_effective_uniq"
            ),
        ),
        migrations.AddConstraint(
            model_name="target",
            constraint=models.UniqueConstraint(
                fields=("tenant", "policy", "priority", "metric"), name="target_one_per_metric"
            ),
        ),
    ]
