"""Sum apt-cacher-ng's transfer log into the fleet's one-download figure.

Each line of ``apt-cacher.log`` is ``time|I or O|bytes|client|path``: ``I`` is a transfer
from the upstream archive into the cache, ``O`` one from the cache to a client. What the
whole fleet fetched upstream is the sum of the ``I`` lines; what one host would have
fetched without the cache is what the cache served it (its ``O`` lines). Their ratio is the
issue's "upstream bytes for N hosts vs one host", measured in one run.

Reads the log on stdin, prints one JSON object.
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict


def summarise(lines: list[str]) -> dict[str, object]:
    """Upstream bytes, bytes served per client, and the ratio to the largest client."""
    upstream = 0
    served: dict[str, int] = defaultdict(int)
    for line in lines:
        fields = line.strip().split("|")
        if len(fields) < 5 or not fields[2].isdigit():
            continue  # a line of another kind (the log also notes errors)
        direction, size, client = fields[1], int(fields[2]), fields[3]
        if direction == "I":
            upstream += size
        elif direction == "O":
            served[client] += size
    one_host = max(served.values(), default=0)
    return {
        "upstream_bytes": upstream,
        "served_bytes": dict(served),
        "one_host_bytes": one_host,
        "fleet_bytes_vs_one": round(upstream / one_host, 3) if one_host else None,
    }


if __name__ == "__main__":
    json.dump(summarise(sys.stdin.readlines()), sys.stdout)
    sys.stdout.write("\n")
