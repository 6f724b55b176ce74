from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse, reverse_lazy
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters

from ..auth import BACKEND_PATH
from ..current import PENDING_INVITE_KEY
from ..forms import EmailLoginForm, ProfileForm, SignupForm
from ..services import profile_update, user_signup


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""


class LoginView(auth_views.LoginView):
    form_class = EmailLoginForm
    redirect_authenticated_user = True


class PasswordChangeView(auth_views.PasswordChangeView):
    success_url = reverse_lazy("profile")

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, _("Your password was changed."))
        return response


@sensitive_post_parameters("password1", "password2")
def signup(request: HttpRequest) -> HttpResponse:
    next_url = _safe_next(request)
    if request.user.is_authenticated:
        return redirect(next_url or "families:home")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = user_signup(
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password1"],
                display_name=form.cleaned_data["display_name"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            # login() keeps the anonymous session's data, so a pending invite survives.
            login(request, user, backend=BACKEND_PATH)
            messages.success(request, _("Welcome to Grocer! Your account is ready."))
            return redirect(next_url or "families:home")
    login_url = reverse("login")
    context = {
        "form": form,
        "next": next_url,
        "login_url": f"{login_url}?{urlencode({'next': next_url})}" if next_url else login_url,
        "invited": bool(request.session.get(PENDING_INVITE_KEY)),
    }
    return TemplateResponse(request, "registration/signup.html", context)


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    initial = {"display_name": request.user.display_name, "language": request.user.language}
    form = ProfileForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            profile_update(
                user=request.user,
                display_name=form.cleaned_data["display_name"],
                language=form.cleaned_data["language"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if form.cleaned_data["language"]:
                # The confirmation, and the page after it, already in the chosen language.
                translation.activate(form.cleaned_data["language"])
            messages.success(request, _("Your profile was saved."))
            return redirect("profile")
    return TemplateResponse(request, "registration/profile.html", {"form": form})
