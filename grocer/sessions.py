"""Sessions read from the cache, kept in PostgreSQL, and still served when Redis is down.

Django's `cached_db` saves a database read per request, but only `save()` survives a
cache error: `load()` re-caches a session it had to read from the database, `exists()`
asks the cache first and `delete()` deletes from it, and each of those raises while Redis
is down, which turned a Redis outage into 500s on every page. Here every cache step is
best effort and the database stays the truth.

A logout during an outage cannot delete the cached copy, so cached copies live at most
CACHE_SECONDS: the window in which such a session could come back is that short.
"""

from __future__ import annotations

import logging

from django.contrib.sessions.backends.cached_db import SessionStore as CachedDBStore

logger = logging.getLogger(__name__)

CACHE_SECONDS = 300


class SessionStore(CachedDBStore):
    cache_key_prefix = "grocer.sessions"

    def _cache_ttl(self, expiry=None) -> int:
        return max(0, min(CACHE_SECONDS, self.get_expiry_age(expiry=expiry)))

    def load(self) -> dict:
        try:
            data = self._cache.get(self.cache_key)
        except Exception:
            logger.warning("Session cache unavailable; reading the database", exc_info=True)
            data = None
        if data is not None:
            return data
        row = self._get_session_from_db()
        if not row:
            return {}
        data = self.decode(row.session_data)
        try:
            self._cache.set(self.cache_key, data, self._cache_ttl(expiry=row.expire_date))
        except Exception:
            logger.warning("Could not cache a session", exc_info=True)
        return data

    def exists(self, session_key) -> bool:
        # The database decides: a key only the cache knows of is no session at all.
        return super(CachedDBStore, self).exists(session_key)

    def save(self, must_create: bool = False) -> None:
        super(CachedDBStore, self).save(must_create)
        try:
            self._cache.set(self.cache_key, self._session, self._cache_ttl())
        except Exception:
            logger.warning("Could not cache a session", exc_info=True)

    def delete(self, session_key=None) -> None:
        super(CachedDBStore, self).delete(session_key)
        if session_key is None:
            if self.session_key is None:
                return
            session_key = self.session_key
        try:
            self._cache.delete(self.cache_key_prefix + session_key)
        except Exception:
            logger.warning("Could not drop a cached session", exc_info=True)
