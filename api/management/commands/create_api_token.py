"""`manage.py create_api_token EMAIL --name NAME [--scope read|write]`: prints the token only."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from families.models import User

from ...models import ApiToken
from ...services import token_create


class Command(BaseCommand):
    help = "Create a personal access token for a user and print it (shown only once)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("email")
        parser.add_argument("--name", required=True)
        parser.add_argument("--scope", choices=ApiToken.Scope.values, default=ApiToken.Scope.READ)

    def handle(self, *args, email: str, name: str, scope: str, **options) -> None:
        user = User.objects.filter(email__iexact=email.strip()).first()
        if user is None:
            raise CommandError(f"No user with the email {email}.")
        try:
            _token, secret = token_create(user=user, name=name, scope=scope)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stdout.write(secret)
