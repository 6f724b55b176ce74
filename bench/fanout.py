"""CPU per delivered frame of a list event and of a presence change, in-process.

    python -m bench.fanout [--sockets 200] [--events 200]

A daphne process gets each group message once and hands it to every local socket's
consumer; what each consumer then does is the per-socket cost of a fan-out. This drives
`ListConsumer.dispatch` (a list event) and the presence frame on N consumers whose socket
is a no-op, with a message shaped like a real one (a row's HTML, a feed entry, a summary),
and prints
CPU µs per delivered frame (`time.process_time`: varies far less with machine load than
wall time) with the load average. No server, database or Redis.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
import uuid


def _message(seq: int) -> dict:
    row = '<li class="item" id="item-x" data-seq="1">' + "x" * 1100 + "</li>"
    return {
        "type": "list.event",
        "list_id": str(uuid.uuid4()),
        "event_id": str(uuid.uuid4()),
        "seq": seq,
        "event_type": "item_added",
        "actor": "Ana",
        "actor_id": str(uuid.uuid4()),
        "payload": {"name": "milk", "quantity": "2"},
        "item_id": str(uuid.uuid4()),
        "category": "dairy",
        "html": row,
        "activity_html": "<li>" + "y" * 300 + "</li>",
        "summary": "Ana added milk (2) to Dairy.",
        "lang": "en",
        "request_id": uuid.uuid4().hex,
    }


async def _run(sockets: int, events: int) -> dict:
    from lists.consumers import ListConsumer

    class User:
        def __init__(self) -> None:
            self.pk = uuid.uuid4()

    sent = 0

    async def base_send(message: dict) -> None:
        nonlocal sent
        sent += 1

    consumers = []
    viewers = []
    for n in range(sockets):
        consumer = ListConsumer()
        consumer.base_send = base_send
        consumer.language = "en"
        consumer.user = User()
        consumer.list_id = "x"
        consumers.append(consumer)
        viewers.append({"id": str(consumer.user.pk), "name": f"Member {n}"})
    results = {}
    start = time.process_time()
    for seq in range(events):
        message = _message(seq)
        for consumer in consumers:
            # Each channel gets its own deserialized copy from the layer.
            await consumer.dispatch(dict(message))
    results["event_us_per_frame"] = (time.process_time() - start) / (sockets * events) * 1e6
    start = time.process_time()
    rounds = max(1, events // 10)
    for _ in range(rounds):
        message = {"type": "presence.changed", "viewers": viewers, "id": uuid.uuid4().hex}
        for consumer in consumers:
            # The frame itself: presence_changed folds changes closer than its window.
            await consumer._send_presence({**message, "viewers": list(viewers)})
    results["presence_us_per_frame"] = (time.process_time() - start) / (sockets * rounds) * 1e6
    results["frames"] = sent
    return results


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.fanout")
    parser.add_argument("--sockets", type=int, default=200)
    parser.add_argument("--events", type=int, default=200)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "grocer.settings.test")
    import django

    django.setup()
    results = asyncio.run(_run(args.sockets, args.events))
    load = os.getloadavg()
    print(
        f"{args.sockets} sockets: list event {results['event_us_per_frame']:.1f} µs CPU/frame, "
        f"presence ({args.sockets} viewers) {results['presence_us_per_frame']:.1f} µs CPU/frame; "
        f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
    )


if __name__ == "__main__":
    main()
