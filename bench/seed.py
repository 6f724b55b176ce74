"""Bench data, written straight through the ORM in bulk (it is not what is measured).

Users get unusable passwords and ready-made sessions: logging 5,000 users in through the
login form would measure the password hasher, not Grocer.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import timedelta


@dataclass
class Member:
    user_id: str
    session_key: str


@dataclass
class SeededFamily:
    family_id: str
    members: list[Member]
    list_ids: list[str] = field(default_factory=list)


CATEGORIES = ["produce", "bakery", "dairy", "meat_fish", "frozen", "pantry", "drinks", "other"]


def _sessions_for(users) -> list[str]:
    """A logged-in session per user, as `django.contrib.auth.login` would store it."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore as DbStore
    from django.contrib.sessions.models import Session
    from django.utils import timezone
    from django.utils.crypto import get_random_string
    from django.utils.module_loading import import_string

    store_class = import_string(f"{settings.SESSION_ENGINE}.SessionStore")
    backend = settings.AUTHENTICATION_BACKENDS[0]
    keys, rows = [], []
    expires = timezone.now() + timedelta(days=1)
    for user in users:
        data = {
            SESSION_KEY: str(user.pk),
            BACKEND_SESSION_KEY: backend,
            HASH_SESSION_KEY: user.get_session_auth_hash(),
        }
        if issubclass(store_class, DbStore):
            key = get_random_string(32, "abcdefghijklmnopqrstuvwxyz0123456789")
            encoded = store_class().encode(data)
            rows.append(Session(session_key=key, session_data=encoded, expire_date=expires))
        else:
            store = store_class()
            store.update(data)
            store.create()
            key = store.session_key
        keys.append(key)
    if rows:
        Session.objects.bulk_create(rows, batch_size=1000)
    return keys


def families(
    *,
    tag: str,
    count: int,
    members_per_family: int,
    lists_per_family: int = 1,
    items_per_list: int = 0,
) -> list[SeededFamily]:
    """`count` families of `members_per_family` logged-in users, with lists and items."""
    from families.models import Family, Membership, User
    from lists.models import GroceryList, ListItem

    users = [
        User(email=f"{tag}-{f}-{m}@bench.grocer", display_name=f"{tag} {f}.{m}")
        for f in range(count)
        for m in range(members_per_family)
    ]
    for user in users:
        user.set_unusable_password()
    User.objects.bulk_create(users, batch_size=1000)
    family_rows = Family.objects.bulk_create(
        [Family(name=f"{tag} family {f}") for f in range(count)], batch_size=1000
    )
    memberships = []
    for f, family in enumerate(family_rows):
        for m in range(members_per_family):
            memberships.append(
                Membership(
                    user=users[f * members_per_family + m],
                    family=family,
                    role=Membership.Role.ADMIN if m == 0 else Membership.Role.MEMBER,
                )
            )
    Membership.objects.bulk_create(memberships, batch_size=1000)
    lists = []
    for f, family in enumerate(family_rows):
        for n in range(lists_per_family):
            lists.append(
                GroceryList(
                    family=family,
                    name=f"{tag} list {f}.{n}",
                    created_by=users[f * members_per_family],
                )
            )
    GroceryList.objects.bulk_create(lists, batch_size=1000)
    items = []
    for grocery_list in lists:
        for i in range(items_per_list):
            items.append(
                ListItem(
                    grocery_list=grocery_list,
                    family_id=grocery_list.family_id,
                    name=f"item {i} {secrets.token_hex(2)}",
                    quantity_text=f"{i % 5 + 1}",
                    category=CATEGORIES[i % len(CATEGORIES)],
                    position=i,
                    status="purchased" if i % 4 == 3 else "needed",
                    created_by=grocery_list.created_by,
                )
            )
    ListItem.objects.bulk_create(items, batch_size=2000)
    keys = _sessions_for(users)
    seeded = []
    for f, family in enumerate(family_rows):
        members = [
            Member(user_id=str(users[i].pk), session_key=keys[i])
            for i in range(f * members_per_family, (f + 1) * members_per_family)
        ]
        seeded.append(
            SeededFamily(
                family_id=str(family.pk),
                members=members,
                list_ids=[
                    str(gl.pk) for gl in lists[f * lists_per_family : (f + 1) * lists_per_family]
                ],
            )
        )
    return seeded
