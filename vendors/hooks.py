"""What vendors offer the apps built on them: vendors never import them.

`answer_lock` registers the check "has the family ordered from this share's answer?"
(the orders app does, from `OrdersConfig.ready()`): a function called as
`func(share=...)` returning a bool. A locked answer can no longer be changed by the
vendor. Without a registered check nothing is locked.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from .models import VendorShare

_answer_lock: list[Callable[..., bool]] = []


def answer_lock(func: Callable[..., bool]) -> Callable[..., bool]:
    _answer_lock[:] = [func]
    return func


def answer_locked(*, share: VendorShare) -> bool:
    return any(check(share=share) for check in _answer_lock)
