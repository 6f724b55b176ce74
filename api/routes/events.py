"""The list's event log after a seq: what a client needs to stay in sync."""

from __future__ import annotations

from uuid import UUID

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from lists import events as list_events
from lists.models import ListEvent
from lists.sentences import event_sentence

from .. import access
from ..problems import Problem
from ..schemas import EventsPage

router = Router(tags=["events"])

PAGE = 200
# Further behind than this, replaying events costs more than reading the items afresh.
MAX_BEHIND = 1000


class EventParams(Schema):
    after: int = Field(0, ge=0, le=2**62, description="The last seq the client has seen.")
    limit: int = Field(PAGE, ge=1, le=PAGE)


@router.get(
    "/lists/{uuid:list_id}/events",
    response=EventsPage,
    summary="Events after a seq (410 when too far behind)",
)
def events(request: HttpRequest, list_id: UUID, params: Query[EventParams]):
    grocery_list = access.list_for(user=request.user, list_id=list_id)
    last_seq = grocery_list.last_seq
    if params.after > last_seq:
        raise Problem(
            422,
            f"`after` is beyond the list's newest event ({last_seq}).",
            errors=[{"field": "after", "message": f"At most {last_seq}."}],
        )
    if last_seq - params.after > MAX_BEHIND:
        raise Problem(
            410,
            f"More than {MAX_BEHIND} events were missed: read the list and its items again, "
            f"then follow the events from seq {last_seq}.",
            last_seq=last_seq,
        )
    rows = list(
        ListEvent.objects.filter(grocery_list=grocery_list, seq__gt=params.after).order_by("seq")[
            : params.limit
        ]
    )
    items = list_events.items_for_events(rows)
    results = [
        {
            "seq": event.seq,
            "type": event.type,
            "text": event_sentence(event, item=items.get(str(event.payload.get("item_id")))),
            "actor": event.actor_label,
            "actor_id": event.actor_id,
            "payload": event.payload,
            "created_at": event.created_at,
        }
        for event in rows
    ]
    next_url = None
    if rows and rows[-1].seq < last_seq:
        next_url = request.build_absolute_uri(
            f"{request.path}?after={rows[-1].seq}&limit={params.limit}"
        )
    return {"results": results, "last_seq": last_seq, "next": next_url}
