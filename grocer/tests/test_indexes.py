"""No index is paid for twice: a plain index whose columns lead another index is dead weight.

Every insert and update maintains each index; one whose columns are the leading columns of
another (non-partial) btree index serves no query the other cannot (docs/scaling.md).
"""

import pytest
from django.db import connection

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

INDEXES = """
SELECT t.relname, i.relname, ix.indisunique, ix.indpred IS NOT NULL,
       array(SELECT a.attname FROM unnest(ix.indkey) WITH ORDINALITY AS k(attnum, n)
             JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
             ORDER BY k.n)::text[],
       ix.indexprs IS NOT NULL, am.amname
FROM pg_index ix
JOIN pg_class t ON t.oid = ix.indrelid
JOIN pg_class i ON i.oid = ix.indexrelid
JOIN pg_am am ON am.oid = i.relam
JOIN pg_namespace n ON n.oid = t.relnamespace
WHERE n.nspname = 'public'
"""
# Django's own tables (auth, the user's permission and group links) are not ours to tune.
NOT_OURS = ("auth_", "django_", "families_user_groups", "families_user_user_permissions")


def test_no_index_is_covered_by_another():
    with connection.cursor() as cursor:
        cursor.execute(INDEXES)
        rows = cursor.fetchall()
    by_table: dict[str, list] = {}
    for table, name, unique, partial, columns, expression, method in rows:
        if table.startswith(NOT_OURS):
            continue
        by_table.setdefault(table, []).append((name, unique, partial, columns, expression, method))
    covered = []
    for table, indexes in by_table.items():
        for name, unique, partial, columns, expression, method in indexes:
            if unique or partial or expression or method != "btree":
                continue
            for other, _, other_partial, other_columns, other_expression, other_method in indexes:
                if (
                    other != name
                    and not other_partial
                    and not other_expression
                    and other_method == "btree"
                    and len(other_columns) > len(columns)
                    and other_columns[: len(columns)] == columns
                ):
                    covered.append(f"{table}.{name} {columns} is led by {other} {other_columns}")
    assert not covered, "\n".join(covered)
