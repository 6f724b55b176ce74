import pytest

from families.current import family_landing_url
from families.tests.factories import PASSWORD, MembershipFactory
from grocer.testing import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.postgres]


def test_log_in_through_a_real_browser_at_phone_width(live_daphne, page):
    membership = MembershipFactory(family__name="The Testers")
    page.goto(f"{live_daphne.url}/accounts/login/")
    assert_accessible(page)
    page.get_by_label("Email").fill(membership.user.email.upper())
    page.get_by_label("Password").fill(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_daphne.url}{family_landing_url(membership.family_id)}")
    assert "The Testers" in page.content()
    assert_accessible(page)
    # Nothing scrolls sideways on a 360 px phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
