"""Profile a hot path in-process with pyinstrument, on a fresh bench database.

    python -m bench.profile page --items 1000     # the list page
    python -m bench.profile add                   # an htmx item add (with its event)
    python -m bench.profile check                 # an htmx status change
    python -m bench.profile dashboard             # the dashboard with 50 lists
    python -m bench.profile deliver               # one vendor delivery (task body) to the
                                                  # fake Graph API answering at once

Prints pyinstrument's call tree of `--repeats` requests (after one warm-up request).
For the running servers use py-spy instead: `py-spy record -o out.svg --pid <daphne pid>`.
"""

from __future__ import annotations

import argparse
import time

from .stack import Stack


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.profile")
    parser.add_argument("what", choices=["page", "add", "check", "dashboard", "deliver"])
    parser.add_argument("--items", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--all", action="store_true", help="show library frames too")
    parser.add_argument("--flat", action="store_true", help="self time per function, not a tree")
    parser.add_argument("--html", help="also write pyinstrument's HTML report here")
    parser.add_argument("--cprofile", action="store_true", help="cProfile's top functions instead")
    parser.add_argument(
        "--cpu",
        action="store_true",
        help="no profiler: CPU and wall ms per request (CPU varies less with machine load)",
    )
    args = parser.parse_args()
    if args.what == "deliver":
        _profile_delivery(args)
        return
    with Stack(servers=False):
        from django.test import Client
        from pyinstrument import Profiler

        from families.models import User

        from . import seed
        from .web import CSRF_TOKEN, url_or_none

        lists = 50 if args.what == "dashboard" else 1
        (family,) = seed.families(
            tag="profile",
            count=1,
            members_per_family=3,
            lists_per_family=lists,
            items_per_list=10 if args.what == "dashboard" else args.items,
        )
        from lists.models import ListItem

        client = Client(SERVER_NAME="127.0.0.1", HTTP_HX_REQUEST="true")
        client.force_login(User.objects.get(pk=family.members[0].user_id))
        client.cookies["csrftoken"] = CSRF_TOKEN
        list_id = family.list_ids[0]
        needed = list(
            ListItem.objects.filter(grocery_list_id=list_id, status="needed").values_list(
                "id", flat=True
            )
        )
        counter = iter(range(10**6))

        def request():
            if args.what == "page":
                return client.get(url_or_none("lists:detail", list_id=list_id))
            if args.what == "dashboard":
                return client.get(url_or_none("lists:dashboard", family_id=family.family_id))
            if args.what == "add":
                return client.post(
                    url_or_none("lists:item_add", list_id=list_id),
                    {"text": f"2 profiled item {next(counter)}"},
                    HTTP_X_CSRFTOKEN=CSRF_TOKEN,
                )
            return client.post(
                url_or_none("lists:item_status", list_id=list_id, item_id=needed.pop()),
                {"status": "purchased"},
                HTTP_X_CSRFTOKEN=CSRF_TOKEN,
            )

        response = request()
        assert response.status_code == 200, (response.status_code, response.content[:500])
        if args.cpu:
            _time_requests(request, args)
            return
        if args.cprofile:
            import cProfile
            import pstats

            with cProfile.Profile() as cprofiler:
                for _ in range(args.repeats):
                    request()
            stats = pstats.Stats(cprofiler).sort_stats("tottime")
            stats.print_stats(30)
            stats.sort_stats("cumulative").print_stats(60)
            return
        profiler = Profiler(interval=0.0005)
        start = time.perf_counter()
        with profiler:
            for _ in range(args.repeats):
                response = request()
        per_request = (time.perf_counter() - start) / args.repeats * 1000
        print(profiler.output_text(unicode=True, color=False, show_all=args.all, flat=args.flat))
        print(f"{args.what}: {per_request:.1f} ms per request (profiled) over {args.repeats}")
        if args.html:
            with open(args.html, "w") as handle:
                handle.write(profiler.output_html())


def _time_requests(request, args) -> None:
    """CPU and wall time per request, unprofiled: the median of `--repeats` requests.

    CPU time is this process's (the server's part of the work; PostgreSQL and Redis run
    in their own processes): it moves less with the machine's load than wall time.
    """
    import os
    import statistics

    cpu, wall = [], []
    for _ in range(args.repeats):
        cpu_start, wall_start = time.process_time(), time.perf_counter()
        request()
        cpu.append((time.process_time() - cpu_start) * 1000)
        wall.append((time.perf_counter() - wall_start) * 1000)
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    print(
        f"{args.what}: CPU p50 {statistics.median(cpu):.2f} ms,"
        f" mean {statistics.fmean(cpu):.2f} ms;"
        f" wall p50 {statistics.median(wall):.2f} ms over {args.repeats} (load average {load})"
    )


def _profile_delivery(args) -> None:
    from . import vendor

    fake = vendor.start_fake_graph()
    try:
        with Stack(servers=False, extra_env=vendor.fake_graph_env(fake)):
            from django.db import transaction
            from pyinstrument import Profiler

            from families.models import Family, User
            from lists.models import GroceryList
            from vendors import services
            from vendors.delivery import delivery_send
            from vendors.models import ShareDelivery, Vendor

            from . import seed

            count = args.repeats + 1
            (family,) = seed.families(
                tag="deliver", count=1, members_per_family=1, lists_per_family=count
            )
            actor = User.objects.get(pk=family.members[0].user_id)
            shop = Vendor.objects.create(
                family=Family.objects.get(pk=family.family_id),
                name="profile vendor",
                whatsapp_number="+34600111222",
            )
            # The tasks these enqueue go to this run's queue, which no worker reads.
            with transaction.atomic():
                for grocery_list in GroceryList.objects.filter(family_id=family.family_id):
                    services.share_send(
                        grocery_list=grocery_list,
                        vendor=shop,
                        message="profile",
                        actor=actor,
                        base_url="http://127.0.0.1",
                    )
            ids = list(ShareDelivery.objects.values_list("id", flat=True))
            assert delivery_send(delivery_id=ids.pop()) == "sent"
            profiler = Profiler(interval=0.0005)
            start = time.perf_counter()
            with profiler:
                for delivery_id in ids:
                    delivery_send(delivery_id=delivery_id)
            per_call = (time.perf_counter() - start) / len(ids) * 1000
            print(profiler.output_text(unicode=True, color=False, show_all=args.all))
            print(f"deliver: {per_call:.1f} ms per delivery_send over {len(ids)}")
    finally:
        fake.__exit__(None, None, None)


if __name__ == "__main__":
    main()
