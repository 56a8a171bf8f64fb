"""Print the installed distribution named by argv[1] as JSON: its version and direct_url.json.

Run with the venv's python (`python -c <this file's text> NAME`); `{}` when it is not installed.
The role compares the version and origin (editable checkout, or the sha256 of the wheel) with
what it would install, so a re-run changes nothing.
"""

import importlib.metadata
import json
import sys


def main(name: str) -> None:
    try:
        dist = importlib.metadata.distribution(name)
    except importlib.metadata.PackageNotFoundError:
        print("{}")
        return
    direct_url = json.loads(dist.read_text("direct_url.json") or "{}")
    print(json.dumps({"version": dist.version, "direct_url": direct_url}))


main(sys.argv[1])
