"""The /api/v1 resources, one module per area."""

from __future__ import annotations

from ..api import api
from . import account, events, items, lists, vendors

for module in (account, lists, items, events, vendors):
    api.add_router("", module.router)
