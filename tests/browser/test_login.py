import pytest
from django.core.management import call_command

from tests.browser.conftest import sign_in

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def demo(settings):
    settings.DEBUG = True
    call_command("load_demo")


def test_a_client_signs_in_on_bytez_and_sees_the_portal_home(demo, page, tenant_url):
    sign_in(page, tenant_url("bytez", "/accounts/login/"), "client@standard.bytez.example", "demo")
    assert "/accounts/login/" not in page.url
    body = page.inner_text("body")
    assert "Standard Customer Inc." in body
    assert "client@standard.bytez.example" in body
    assert "BytezTech" in page.title()


def test_a_bytez_user_cannot_sign_in_on_bitcraft(demo, page, tenant_url):
    url = tenant_url("bitcraft", "/accounts/login/")
    sign_in(page, url, "client@standard.bytez.example", "demo")
    assert "/accounts/login/" in page.url
    assert "Please enter a correct email" in page.inner_text("body")


def test_the_portal_fits_a_phone_screen(demo, phone_page, tenant_url):
    sign_in(
        phone_page, tenant_url("bytez", "/accounts/login/"), "client@standard.bytez.example", "demo"
    )
    scroll_width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= 390
