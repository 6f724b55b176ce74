#!/usr/bin/env python
import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "grocer.settings.local")
    if sys.argv[1:2] == ["migrate"] and os.environ.get("DATABASE_MIGRATE_URL"):
        # Schema changes run as the owner role; everything else uses the app role of
        # DATABASE_URL, which has data privileges only (deploy/postgres/roles.sql).
        os.environ["DATABASE_URL"] = os.environ["DATABASE_MIGRATE_URL"]
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
