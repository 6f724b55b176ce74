"""Index review on a database of realistic size: seed N families with SQL, EXPLAIN ANALYZE
the queries every page and socket runs, and print each plan's shape and time.

    python -m bench.scale --database-url postgres://postgres@127.0.0.1:5432/grocer_scale \
        --families 10000

The database must be migrated and empty of families (it is not the bench database: this
one is left behind for poking at). Findings are kept in docs/scaling.md.
"""

from __future__ import annotations

import argparse
import os
import re
import time
from collections.abc import Callable

import psycopg

SEED = """
INSERT INTO families_family (id, name)
SELECT gen_random_uuid(), 'Family ' || n FROM generate_series(1, %(families)s) AS n;

INSERT INTO families_user (id, password, is_superuser, email, display_name, is_active, is_staff,
                           language)
SELECT gen_random_uuid(), '!', false, 'user' || n || '@scale.example', 'User ' || n, true, false,
       ''
FROM generate_series(1, %(families)s * 3) AS n;

INSERT INTO families_membership (id, role, family_id, user_id)
SELECT gen_random_uuid(), CASE WHEN u.n %% 3 = 0 THEN 'admin' ELSE 'member' END, f.id, u.id
FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM families_user) AS u
JOIN (SELECT id, row_number() OVER (ORDER BY id) - 1 AS n FROM families_family) AS f
  ON f.n = (u.n - 1) / 3;

INSERT INTO lists_grocerylist (id, name, description, status, last_seq, version, family_id)
SELECT gen_random_uuid(), 'List ' || l, '', CASE WHEN l = 3 THEN 'archived' ELSE 'active' END,
       40, 1, f.id
FROM families_family AS f, generate_series(1, 3) AS l;

INSERT INTO lists_listitem (id, name, quantity_text, status, note, category, position, version,
                            grocery_list_id, family_id, deleted_at)
SELECT gen_random_uuid(), (ARRAY['milk','eggs','bread','butter','apples','tomatoes','rice',
       'pasta','cheese','yogurt','coffee','tea','onions','garlic','carrots','bananas','flour',
       'sugar','salt','oil'])[i], '', CASE WHEN i %% 4 = 0 THEN 'purchased' ELSE 'needed' END,
       '', 'other', i, 1, gl.id, gl.family_id, CASE WHEN i = 20 THEN now() - interval '40 days' END
FROM lists_grocerylist AS gl, generate_series(1, 20) AS i;

INSERT INTO lists_listevent (id, seq, type, actor_label, payload, grocery_list_id, family_id,
                             created_at)
SELECT gen_random_uuid(), s, 'item.added', 'User', '{}'::jsonb, gl.id, gl.family_id,
       now() - (40 - s) * interval '1 hour'
FROM lists_grocerylist AS gl, generate_series(1, 40) AS s;

ANALYZE;
"""

# (name, SQL): what the app runs, written out with a representative family/list/user.
QUERIES = [
    (
        "membership check (every list request and socket)",
        "SELECT m.* FROM families_membership m JOIN families_family f ON f.id = m.family_id "
        "WHERE m.user_id = %(user)s AND m.family_id = %(family)s AND f.deleted_at IS NULL",
    ),
    (
        "dashboard: a family's active lists",
        "SELECT * FROM lists_grocerylist WHERE family_id = %(family)s AND status = 'active' "
        "AND deleted_at IS NULL ORDER BY created_at DESC",
    ),
    (
        "list page: live items of a list",
        "SELECT * FROM lists_listitem WHERE grocery_list_id = %(list)s AND deleted_at IS NULL "
        "ORDER BY position",
    ),
    (
        "catch-up: events after a seq",
        "SELECT * FROM lists_listevent WHERE grocery_list_id = %(list)s AND seq > 30 ORDER BY seq",
    ),
    (
        "suggestions: the family's item names starting with the text",
        "SELECT lower(name), count(*) FROM lists_listitem "
        "WHERE family_id = %(family)s AND lower(name) LIKE 'to%%' "
        "GROUP BY 1 ORDER BY 2 DESC LIMIT 8",
    ),
    (
        "suggestions as the list page asks (names containing the text)",
        "SELECT lower(name), count(*), max(created_at), max(name) FROM lists_listitem "
        "WHERE family_id = %(family)s AND upper(name) LIKE upper('%%to%%') "
        "GROUP BY 1 ORDER BY 2 DESC, 3 DESC, 1 LIMIT 36",
    ),
    (
        "family feed: others' newest events in the family's live lists",
        "SELECT e.*, l.name FROM lists_listevent e "
        "JOIN lists_grocerylist l ON l.id = e.grocery_list_id "
        "WHERE e.family_id = %(family)s AND l.deleted_at IS NULL "
        "AND (e.actor_id IS NULL OR e.actor_id <> %(user)s) "
        "ORDER BY e.created_at DESC, e.seq DESC LIMIT 30",
    ),
    (
        "a user's families (family switcher)",
        "SELECT f.* FROM families_family f JOIN families_membership m ON m.family_id = f.id "
        "WHERE m.user_id = %(user)s AND f.deleted_at IS NULL",
    ),
    (
        "purge: items soft-deleted past retention",
        "SELECT id FROM lists_listitem WHERE deleted_at < now() - interval '30 days' LIMIT 100",
    ),
]


def seed(execute: Callable[[str, dict], object], *, families: int) -> None:
    """Run the seed SQL through `execute(sql, params)` (a psycopg or a Django cursor's)."""
    for statement in SEED.split(";\n"):
        if statement.strip():
            execute(statement, {"families": families})


def _summary(plan: list[str]) -> str:
    scans = [
        re.sub(r"\s+\(cost=.*", "", line).strip(" ->")
        for line in plan
        if "Scan" in line or "Index" in line
    ]
    timing = next((line for line in plan if line.startswith("Execution Time")), "")
    return "; ".join(scans) + f" [{timing}]"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    parser.add_argument("--families", type=int, default=10_000)
    parser.add_argument("--verbose", action="store_true", help="print whole plans")
    args = parser.parse_args()
    with psycopg.connect(args.database_url, autocommit=True) as connection:
        if not connection.execute("SELECT count(*) FROM families_family").fetchone()[0]:
            started = time.monotonic()
            with connection.transaction():
                seed(connection.execute, families=args.families)
            print(f"seeded {args.families} families in {time.monotonic() - started:.1f}s")
        counts = {
            table: connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608
            for table in (
                "families_family",
                "lists_grocerylist",
                "lists_listitem",
                "lists_listevent",
            )
        }
        print("rows:", counts, "load average:", os.getloadavg())
        sample = {
            "family": connection.execute(
                "SELECT id FROM families_family ORDER BY id "
                "LIMIT 1 OFFSET (SELECT count(*) / 2 FROM families_family)"
            ).fetchone()[0],
        }
        sample["user"] = connection.execute(
            "SELECT user_id FROM families_membership WHERE family_id = %s LIMIT 1",
            [sample["family"]],
        ).fetchone()[0]
        sample["list"] = connection.execute(
            "SELECT id FROM lists_grocerylist WHERE family_id = %s LIMIT 1", [sample["family"]]
        ).fetchone()[0]
        for name, sql in QUERIES:
            connection.execute(sql, sample)  # warm the cache: plans, not disk, are the point
            plan = [
                row[0] for row in connection.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", sample)
            ]
            print(f"- {name}: {_summary(plan)}")
            if args.verbose:
                print("\n".join(f"    {line}" for line in plan))


if __name__ == "__main__":
    main()
