"""The sequential part's writer stays under the per-member list write limit."""

from __future__ import annotations

from bench import sequential
from lists.access import LIST_WRITE_RATE


def test_the_writers_rotate_so_none_meets_the_list_write_limit():
    limit = int(LIST_WRITE_RATE.split("/")[0])
    for _listeners, adds in (*sequential.SIZES, *sequential.SMOKE_SIZES, (0, 2000)):
        writers = sequential.writers_needed(adds)
        per_writer = -(-(adds + sequential.WARMUP) // writers)  # round robin: at most this
        assert per_writer < limit, (adds, writers)
    assert sequential.writers_needed(500) > 1  # one member alone would be refused
