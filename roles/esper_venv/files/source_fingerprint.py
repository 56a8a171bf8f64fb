"""Print a fingerprint of the library source (pyproject.toml and src/) under argv[1].

Run on the control node: a remote host gets a new wheel whenever the code changes, not only
when the version is bumped. What building a wheel writes into the tree (src/*.egg-info) and
Python's caches are not source: counting them made a fresh checkout's second run rebuild.
build_wheel.py builds from exactly these files.
"""

import hashlib
import pathlib
import sys
from collections.abc import Iterator


def source_files(root: pathlib.Path) -> Iterator[pathlib.Path]:
    """The files a wheel is built from, in a stable order."""
    for path in sorted([root / "pyproject.toml", *(root / "src").rglob("*")]):
        generated = any(part == "__pycache__" or part.endswith(".egg-info") for part in path.parts)
        if path.is_file() and not generated and path.suffix != ".pyc":
            yield path


def fingerprint(root: pathlib.Path) -> str:
    digest = hashlib.sha256()
    for path in source_files(root):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


if __name__ == "__main__":
    print(fingerprint(pathlib.Path(sys.argv[1])))
