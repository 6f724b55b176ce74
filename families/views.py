from django.contrib.auth.decorators import login_required
from django.http import HttpRequest
from django.template.response import TemplateResponse

from .selectors import family_memberships_for_home


@login_required
def home(request: HttpRequest) -> TemplateResponse:
    memberships = family_memberships_for_home(user=request.user)
    return TemplateResponse(request, "families/home.html", {"memberships": memberships})
