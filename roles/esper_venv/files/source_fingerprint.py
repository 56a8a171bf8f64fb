"""Print a fingerprint of the library source (pyproject.toml and src/) under argv[1].

Run on the control node: a remote host gets a new wheel whenever the code changes, not only
when the version is bumped.
"""

import hashlib
import pathlib
import sys


def fingerprint(root: pathlib.Path) -> str:
    digest = hashlib.sha256()
    for path in sorted([root / "pyproject.toml", *(root / "src").rglob("*")]):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
            digest.update(str(path.relative_to(root)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


print(fingerprint(pathlib.Path(sys.argv[1])))
