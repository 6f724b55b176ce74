"""The logged-in user read from the cache instead of PostgreSQL on every request.

Django's `ModelBackend.get_user` runs a query per request just to load the user row the
session points at. This backend keeps that row in the cache for a short while, dropped
whenever the user is saved or deleted (a password change, a deactivation, the last
login); `QuerySet.update()` skips those signals, so cached rows also expire after
CACHE_SECONDS. With Redis down it reads PostgreSQL, as before.
"""

from __future__ import annotations

import logging

from django.contrib.auth.backends import ModelBackend, UserModel
from django.core.cache import cache
from django.core.exceptions import PermissionDenied

from grocer.rows import row_dump, row_load

logger = logging.getLogger(__name__)

CACHE_SECONDS = 120
BACKEND_PATH = "families.auth.CachedModelBackend"


def user_cache_key(user_id) -> str:
    return f"auth:user:{user_id}"


def forget_user(user_id) -> None:
    try:
        cache.delete(user_cache_key(user_id))
    except Exception:
        logger.warning("Could not drop a cached user", exc_info=True)


class CachedModelBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None and password is not None:
            # Django's own ModelBackend is listed after this one only for sessions made
            # before it; it must not hash the same wrong password a second time.
            raise PermissionDenied
        return user

    def get_user(self, user_id):
        key = user_cache_key(user_id)
        try:
            user = cache.get(key)
        except Exception:
            logger.warning("User cache unavailable; reading the database", exc_info=True)
            return super().get_user(user_id)
        if user is not None:
            try:
                user = row_load(UserModel, user)
            except Exception:  # written by another version of the code: a miss
                logger.warning("Unreadable cached user; reading the database", exc_info=True)
                user = None
        if user is None:
            user = super().get_user(user_id)
            if user is not None:
                try:
                    # JSON (grocer.rows), not a pickle. The whole row: the session check
                    # compares a hash of the password.
                    cache.set(key, row_dump(user), CACHE_SECONDS)
                except Exception:
                    logger.warning("Could not cache a user", exc_info=True)
        return user if self.user_can_authenticate(user) else None
