import re

import pytest
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.urls import reverse

from families.models import User
from families.tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def _signup(client, **overrides):
    data = {
        "email": "ana@example.com",
        "display_name": "Ana",
        "password1": "a sturdy passphrase",
        "password2": "a sturdy passphrase",
        **overrides,
    }
    return client.post(reverse("signup"), data)


def test_signup_logs_the_new_user_in_and_goes_home(client):
    response = _signup(client)
    assert response.status_code == 302
    assert response["Location"] == reverse("families:home")
    user = User.objects.get(email="ana@example.com")
    assert client.session[SESSION_KEY] == str(user.pk)
    assert user.display_name == "Ana"


def test_signup_page_renders(client):
    response = client.get(reverse("signup"))
    assert response.status_code == 200
    assert b'autocomplete="new-password"' in response.content


@pytest.mark.parametrize(
    ("overrides", "field", "text"),
    [
        ({"email": "not-an-email"}, "email", "valid email"),
        ({"password1": "short", "password2": "short"}, "password1", "too short"),
        ({"password1": "12345678901", "password2": "12345678901"}, "password1", "numeric"),
        ({"password2": "something else"}, "password2", "match"),
        (
            {"password1": "ana@example.com!", "password2": "ana@example.com!"},
            "password1",
            "similar",
        ),
    ],
)
def test_signup_errors_are_form_errors_linked_to_their_field(client, overrides, field, text):
    response = _signup(client, **overrides)
    assert response.status_code == 200
    form = response.context["form"]
    assert text in " ".join(form.errors[field]).lower()
    html = response.content.decode()
    # The input points at its error message, for screen readers.
    assert re.search(rf'aria-describedby="[^"]*id_{field}_error', html)
    assert f'id="id_{field}_error"' in html
    assert not User.objects.exists()


def test_signup_with_an_existing_email_in_other_case_is_refused(client):
    UserFactory(email="ana@example.com")
    response = _signup(client, email="ANA@EXAMPLE.COM")
    assert response.status_code == 200
    assert "already exists" in str(response.context["form"].errors["email"])
    assert User.objects.count() == 1


def test_signup_ignores_an_offsite_next(client):
    response = client.post(
        reverse("signup") + "?next=https://evil.example/",
        {
            "email": "ana@example.com",
            "password1": "a sturdy passphrase",
            "password2": "a sturdy passphrase",
        },
    )
    assert response["Location"] == reverse("families:home")


def test_signup_when_logged_in_goes_home(client):
    client.force_login(UserFactory())
    assert client.get(reverse("signup"))["Location"] == reverse("families:home")


@pytest.mark.parametrize("typed", ["ben@example.com", "BEN@Example.COM", "Ben@example.com"])
def test_login_email_is_case_insensitive(client, typed):
    user = UserFactory(email="ben@example.com")
    response = client.post(reverse("login"), {"username": typed, "password": PASSWORD})
    assert response.status_code == 302
    assert client.session[SESSION_KEY] == str(user.pk)


def test_login_with_a_wrong_password_is_a_form_error(client):
    UserFactory(email="ben@example.com")
    response = client.post(reverse("login"), {"username": "ben@example.com", "password": "wrong"})
    assert response.status_code == 200
    assert SESSION_KEY not in client.session
    assert b'role="alert"' in response.content
    assert b"don&#x27;t match an account" in response.content


def test_login_page_renders_with_labels(client):
    response = client.get(reverse("login"))
    assert b'<label for="id_username">Email</label>' in response.content
    assert b'<label for="id_password">Password</label>' in response.content


def test_logout_must_be_a_post(client):
    user = UserFactory()
    client.force_login(user)
    assert client.get(reverse("logout")).status_code == 405
    assert client.session[SESSION_KEY] == str(user.pk)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert SESSION_KEY not in client.session


def test_profile_updates_the_display_name(client):
    user = UserFactory(display_name="Old")
    client.force_login(user)
    assert client.get(reverse("profile")).status_code == 200
    response = client.post(reverse("profile"), {"display_name": "Ana Maria"})
    assert response["Location"] == reverse("profile")
    user.refresh_from_db()
    assert user.display_name == "Ana Maria"


def test_profile_rejects_a_too_long_name_as_a_form_error(client):
    user = UserFactory(display_name="Old")
    client.force_login(user)
    response = client.post(reverse("profile"), {"display_name": "x" * 101})
    assert response.status_code == 200
    assert response.context["form"].errors["display_name"]
    user.refresh_from_db()
    assert user.display_name == "Old"


def test_password_change(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "another sturdy phrase",
            "new_password2": "another sturdy phrase",
        },
    )
    assert response["Location"] == reverse("profile")
    user.refresh_from_db()
    assert user.check_password("another sturdy phrase")
    # Still logged in (the session hash was updated).
    assert client.get(reverse("profile")).status_code == 200


def test_password_change_with_a_wrong_old_password_is_a_form_error(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post(
        reverse("password_change"),
        {
            "old_password": "nope",
            "new_password1": "another sturdy phrase",
            "new_password2": "another sturdy phrase",
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["old_password"]


def test_password_reset_email_flow(client):
    user = UserFactory(email="cleo@example.com")
    assert client.get(reverse("password_reset")).status_code == 200
    # Any case of the address finds the account.
    response = client.post(reverse("password_reset"), {"email": "CLEO@example.com"})
    assert response["Location"] == reverse("password_reset_done")
    assert client.get(response["Location"]).status_code == 200
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["cleo@example.com"]
    assert message.subject == "Reset your Grocer password"
    link = re.search(r"http://testserver(/accounts/password/reset/\S+/)", message.body).group(1)

    response = client.get(link)  # Django swaps the token for a session marker
    assert response.status_code == 302
    form_url = response["Location"]
    page = client.get(form_url)
    assert page.context["validlink"] is True
    response = client.post(
        form_url,
        {"new_password1": "a brand new phrase", "new_password2": "a brand new phrase"},
    )
    assert response["Location"] == reverse("password_reset_complete")
    user.refresh_from_db()
    assert user.check_password("a brand new phrase")
    # The link works once.
    assert client.get(link).context["validlink"] is False


def test_password_reset_for_an_unknown_email_says_the_same_and_sends_nothing(client):
    response = client.post(reverse("password_reset"), {"email": "nobody@example.com"})
    assert response["Location"] == reverse("password_reset_done")
    assert mail.outbox == []


def test_password_reset_confirm_with_a_bad_link_is_friendly(client):
    response = client.get(
        reverse("password_reset_confirm", kwargs={"uidb64": "zzz", "token": "bad-token"})
    )
    assert response.status_code == 200
    assert b"no longer works" in response.content


def test_login_attempts_are_rate_limited_per_account(client):
    UserFactory(email="ben@example.com")
    for _ in range(10):
        response = client.post(
            reverse("login"), {"username": "ben@example.com", "password": "wrong"}
        )
        assert response.status_code == 200
    response = client.post(reverse("login"), {"username": "BEN@example.com", "password": PASSWORD})
    assert response.status_code == 429
    assert SESSION_KEY not in client.session
    # Another account from the same address is not locked out.
    other = UserFactory(email="cleo@example.com")
    client.post(reverse("login"), {"username": other.email, "password": PASSWORD})
    assert client.session[SESSION_KEY] == str(other.pk)


def test_signups_are_rate_limited(client):
    for n in range(10):
        _signup(client, email=f"user{n}@example.com")
        client.logout()
    assert _signup(client, email="one-too-many@example.com").status_code == 429
    assert not User.objects.filter(email="one-too-many@example.com").exists()


def test_password_reset_requests_are_rate_limited(client):
    UserFactory(email="cleo@example.com")
    for _ in range(5):
        client.post(reverse("password_reset"), {"email": "cleo@example.com"})
    assert client.post(reverse("password_reset"), {"email": "cleo@example.com"}).status_code == 429
    assert len(mail.outbox) == 5


def test_profile_saves_the_language_and_answers_in_it(client):
    user = UserFactory(language="")
    client.force_login(user)
    response = client.post(
        reverse("profile"), {"display_name": user.display_name, "language": "es"}, follow=True
    )
    user.refresh_from_db()
    assert user.language == "es"
    html = response.content.decode()
    assert "Se guardó tu perfil." in html
    assert '<option value="es" selected>Español</option>' in html


def test_profile_language_back_to_the_browser(client):
    user = UserFactory(language="pt-br")
    client.force_login(user)
    client.post(reverse("profile"), {"display_name": "", "language": ""})
    user.refresh_from_db()
    assert user.language == ""
    page = client.get(reverse("profile"), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "<h1>Tu perfil</h1>" in page


def test_profile_refuses_an_unknown_language(client):
    user = UserFactory(language="")
    client.force_login(user)
    response = client.post(reverse("profile"), {"display_name": "", "language": "klingon"})
    assert response.status_code == 200
    user.refresh_from_db()
    assert user.language == ""
