import django.db.models.deletion
from django.db import migrations, models

import tenants.constraints


class Migration(migrations.Migration):
    dependencies = [
        ("tenants", "0001_initial"),
        ("sla", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="customer",
            name="plan",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="customers",
                to="sla.plan",
            ),
            preserve_default=False,
        ),
        migrations.AddConstraint(
            model_name="customer",
            constraint=tenants.constraints.SameTenantForeignKey(
                field="plan", name="customer_plan_same_tenant"
            ),
        ),
    ]
