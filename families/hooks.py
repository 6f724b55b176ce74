"""What families offer the apps built on them: families never import them.

The notification feed pages (`families.views.notifications`) show what others changed
in the family's lists, which only the lists app can read. It registers `feed_source`
from `ListsConfig.ready()`: an object with `feed_for(*, membership)` (the latest events,
newest first) and `feed_unseen_count(*, membership, since)` (how many since a moment,
None meaning ever). Without a source the feed is empty.
"""

from __future__ import annotations

from typing import Any, Protocol

from .models import Membership


class FeedSource(Protocol):
    def feed_for(self, *, membership: Membership) -> list[Any]: ...

    def feed_unseen_count(self, *, membership: Membership, since: Any) -> int: ...


_feed_source: list[FeedSource] = []


def feed_source(source: FeedSource) -> FeedSource:
    _feed_source[:] = [source]
    return source


def feed_for(*, membership: Membership) -> list[Any]:
    return _feed_source[0].feed_for(membership=membership) if _feed_source else []


def feed_unseen_count(*, membership: Membership, since: Any) -> int:
    if not _feed_source:
        return 0
    return _feed_source[0].feed_unseen_count(membership=membership, since=since)
