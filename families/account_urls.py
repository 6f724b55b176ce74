"""Sign-up, log-in/out, profile and password URLs, under /accounts/.

The names are Django's own (`login`, `password_reset_confirm`...) because Django's auth
views and emails reverse them.
"""

from collections.abc import Callable

from django.contrib.auth import views as auth_views
from django.http import HttpRequest
from django.urls import path

from grocer.ratelimit import client_ip, ratelimit

from .views import accounts


def _ip_and_email(request: HttpRequest, *args, **kwargs) -> str:
    """Password guessing is limited per account and address, so one attacker cannot lock
    everybody behind the same NAT out, and one account is not hammered from one place."""
    email = (request.POST.get("username") or request.POST.get("email") or "").strip().lower()
    return f"{client_ip(request)}:{email}"


def login_limited(view: Callable) -> Callable:
    """The log-in limits, shared by every log-in form (the site's and the admin's): the
    same counters, so guesses spread over both forms add up."""
    return ratelimit("login-ip", "60/h")(ratelimit("login", "10/15m", key=_ip_and_email)(view))


# POSTs only; an over-limit request gets the 429 page with Retry-After.
login = login_limited(accounts.LoginView.as_view())
signup = ratelimit("signup", "10/h")(accounts.signup)
password_reset = ratelimit("password-reset", "5/h", key=_ip_and_email)(
    ratelimit("password-reset-ip", "20/h")(auth_views.PasswordResetView.as_view())
)

urlpatterns = [
    path("login/", login, name="login"),
    # Django 5's LogoutView only accepts POST.
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("signup/", signup, name="signup"),
    path("profile/", accounts.profile, name="profile"),
    path("password/", accounts.PasswordChangeView.as_view(), name="password_change"),
    path("password/reset/", password_reset, name="password_reset"),
    path(
        "password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
]
