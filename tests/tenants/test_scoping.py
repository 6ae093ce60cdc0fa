import pytest
from django.db import IntegrityError, connection, transaction

from tenants.models import Customer, Membership
from tenants.scoping import UnscopedQueryError, request_scope
from tests.factories import CustomerFactory, PlanFactory


def test_it_refuses_an_unscoped_query_in_request_code(customer):
    with request_scope(), pytest.raises(UnscopedQueryError):
        list(Customer.objects.all())


def test_it_refuses_a_lookup_by_raw_id_in_request_code(customer):
    with request_scope(), pytest.raises(UnscopedQueryError):
        Customer.objects.get(pk=customer.pk)


def test_it_refuses_count_exists_update_and_delete_unscoped(customer):
    with request_scope():
        for run in (
            lambda: Customer.objects.count(),
            lambda: Customer.objects.exists(),
            lambda: Customer.objects.update(name="x"),
            lambda: Customer.objects.filter(pk=customer.pk).delete(),
        ):
            with pytest.raises(UnscopedQueryError):
                run()


def test_it_returns_only_the_tenants_rows_when_scoped(tenant, other_tenant, customer):
    CustomerFactory(tenant=other_tenant, name="Elsewhere")
    with request_scope():
        names = list(Customer.objects.for_tenant(tenant).values_list("name", flat=True))
    assert names == ["Initech"]


def test_it_allows_related_managers_of_a_scoped_row(tenant, customer, client_user):
    with request_scope():
        scoped = Customer.objects.for_tenant(tenant).get(pk=customer.pk)
        assert list(scoped.members.all()) == [client_user]


def test_it_rejects_an_or_that_could_widen_past_one_tenant(tenant, customer):
    from django.db.models import Q

    with request_scope(), pytest.raises(UnscopedQueryError):
        list(Customer.objects.filter(Q(tenant=tenant) | Q(name="Initech")))


def test_cross_tenant_jobs_say_so(tenant, other_tenant, customer):
    CustomerFactory(tenant=other_tenant)
    with request_scope():
        assert Customer.objects.cross_tenant().count() == 2


def test_outside_requests_queries_are_not_policed(customer):
    assert Customer.objects.count() == 1


def test_the_database_keeps_a_customer_on_its_own_tenants_plan(tenant, other_tenant):
    foreign_plan = PlanFactory(tenant=other_tenant)
    with pytest.raises(IntegrityError), transaction.atomic():
        Customer.objects.create(tenant=tenant, name="Sneaky", plan=foreign_plan)
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def test_the_database_keeps_a_membership_in_its_customers_tenant(other_tenant, customer):
    from tests.factories import UserFactory

    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(
            tenant=other_tenant, user=UserFactory(), role="client", customer=customer
        )
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def test_the_database_refuses_a_client_without_a_customer(tenant):
    from tests.factories import UserFactory

    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(tenant=tenant, user=UserFactory(), role="client")


def test_bulk_update_of_rows_in_hand_is_scoped_to_their_tenant(tenant, customer):
    customer.name = "Renamed"
    with request_scope():
        Customer.objects.bulk_update([customer], ["name"])
    customer.refresh_from_db()
    assert customer.name == "Renamed"


def test_bulk_update_refuses_rows_of_several_tenants(tenant, other_tenant, customer):
    elsewhere = CustomerFactory(tenant=other_tenant)
    with request_scope(), pytest.raises(UnscopedQueryError):
        Customer.objects.bulk_update([customer, elsewhere], ["name"])
