"""The request and response shapes of /api/v1 (Pydantic v2, published as OpenAPI 3.1)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from ninja import Schema
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from lists.models import Category, GroceryList, ListItem

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Quantity = Annotated[str, StringConstraints(strip_whitespace=True, max_length=50)]
Note = Annotated[str, StringConstraints(max_length=1000)]
Description = Annotated[str, StringConstraints(max_length=2000)]
CategoryValue = Literal[tuple(Category.values)]  # type: ignore[valid-type]
ItemStatus = Literal[tuple(ListItem.Status.values)]  # type: ignore[valid-type]
ListStatus = Literal[tuple(GroceryList.Status.values)]  # type: ignore[valid-type]


class Out(BaseModel):
    """A response body. Plain pydantic: the rows are dicts already, and ninja's ORM
    attribute lookup per field costs more than the rest of a 1,000-item answer."""


class In(Schema):
    """A request body: unknown fields are refused (a typo must not be silently ignored)."""

    model_config = ConfigDict(extra="forbid")


class FieldError(Out):
    field: str
    message: str


class ProblemOut(Out):
    """RFC 9457 problem details (application/problem+json)."""

    type: str
    title: str
    status: int
    detail: str
    errors: list[FieldError] | None = None
    current: dict[str, Any] | None = Field(
        None,
        description="On 412, and on 409 `answer-changed`: the resource as it is now.",
    )


class TokenInfo(Out):
    id: UUID
    name: str
    scope: Literal["read", "write"]
    expires_at: datetime | None


class FamilyOut(Out):
    id: UUID
    name: str
    role: Literal["admin", "member"]


class MeOut(Out):
    id: UUID
    email: str
    name: str
    families: list[FamilyOut]
    token: TokenInfo | None = Field(None, description="The token used, if any.")


class MemberOut(Out):
    user_id: UUID
    name: str
    role: Literal["admin", "member"]


class MembersPage(Out):
    results: list[MemberOut]


class FamiliesPage(Out):
    results: list[FamilyOut]


class ListOut(Out):
    id: UUID
    family_id: UUID
    name: str
    description: str
    status: ListStatus
    version: int
    last_seq: int = Field(description="The seq of the list's newest event.")
    created_at: datetime
    updated_at: datetime


class ListsPage(Out):
    results: list[ListOut]
    next: str | None = Field(description="The next page, or null on the last one.")


class ListCreate(In):
    name: Name
    description: Description = ""


class ListPatch(In):
    name: Name | None = None
    description: Description | None = None


class ItemOut(Out):
    id: UUID
    list_id: UUID
    name: str
    quantity: str
    note: str
    category: CategoryValue
    status: ItemStatus
    assigned_to: UUID | None
    position: int
    version: int
    created_at: datetime
    updated_at: datetime


class ItemsPage(Out):
    results: list[ItemOut]
    next: str | None


class ItemAddText(In):
    """Free text, parsed like the add box: "2 kg tomatoes", "milk x2", "bread"."""

    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=260)]


class ItemAddFields(In):
    name: Name
    quantity: Quantity = ""
    note: Note = ""
    category: CategoryValue | None = Field(
        None, description="Without it, the family's remembered aisle or the built-in guess."
    )


class ItemAddOut(Out):
    outcome: Literal["created", "merged", "existing"] = Field(
        description="created (201); merged: the quantity was added to the needed item; "
        "existing: the item was already needed, nothing changed."
    )
    item: ItemOut


class ItemPatch(In):
    name: Name | None = None
    quantity: Quantity | None = None
    note: Note | None = None
    category: CategoryValue | None = None


class StatusIn(In):
    status: ItemStatus


class AssignIn(In):
    user_id: UUID | None = Field(description="A member of the list's family, or null.")


class EventOut(Out):
    seq: int
    type: str
    text: str = Field(description="The sentence the activity feed shows.")
    actor: str
    actor_id: UUID | None
    payload: dict[str, Any]
    created_at: datetime


class EventsPage(Out):
    results: list[EventOut]
    last_seq: int = Field(description="The list's newest seq when this page was read.")
    next: str | None = Field(description="Ask this for more; null when caught up.")


class VendorOut(Out):
    id: UUID
    name: str
    description: str
    whatsapp_number: str
    is_global: bool


class VendorsPage(Out):
    results: list[VendorOut]
    next: str | None


class ShareIn(In):
    vendor: UUID
    message: Note = ""


class AnswerLineOut(Out):
    name: str
    quantity: str
    availability: str
    substitute: str
    unit_price: str | None


class AnswerOut(Out):
    version: str = Field(description="Send it back to order exactly this answer.")
    submitted_at: datetime | None
    delivery_time: datetime | None
    note: str
    lines: list[AnswerLineOut]


class OrderIn(In):
    answer_version: str = Field(
        max_length=64,
        description="The `answer.version` you reviewed: if the vendor changed the answer "
        "since, nothing is ordered (409) and you see the new total first.",
    )


class ShareOut(Out):
    id: UUID
    list_id: UUID
    vendor_id: UUID
    vendor_name: str
    status: str
    failure_reason: str
    message: str
    link_state: Literal["open", "expired", "revoked"]
    created_at: datetime
    answer: AnswerOut | None
    order_id: UUID | None


class OrderLineOut(Out):
    name: str
    quantity: str
    available: bool
    substitute: str
    unit_price: str | None
    line_total: str


class OrderOut(Out):
    id: UUID
    list_id: UUID
    vendor_id: UUID
    share_id: UUID | None
    status: str
    total: str = Field(description="Decimal, two places, as a string.")
    currency: str
    delivery_time: datetime | None
    note: str
    created_at: datetime
    lines: list[OrderLineOut]


class OrdersPage(Out):
    results: list[OrderOut]
    next: str | None


class OrderPatch(In):
    status: Literal["placed", "confirmed", "delivered", "cancelled"]
