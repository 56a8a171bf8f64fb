"""Build the library wheel on the control node: reproducible, atomic, from a private copy.

    build_wheel.py SOURCE_DIR WHEEL_DIR WHEEL_NAME

Builds may overlap (CI scenarios side by side, two fleet runs) and a run may be killed while
it builds. Each build works in a temporary directory of its own, on a copy of exactly the
fingerprinted source (source_fingerprint.py), with SOURCE_DATE_EPOCH fixed so the same source
always gives the same bytes, and moves the finished wheel into place with one rename. So the
wheel path never holds a partial file, and whichever build lands last lands an identical
file: hosts compare the installed wheel's sha256 with it and stay unchanged.
"""

import os
import pathlib
import shutil
import subprocess
import sys
import tempfile

from source_fingerprint import source_files

# 1980-01-01: the earliest timestamp a zip entry can carry.
REPRODUCIBLE_EPOCH = "315532800"


def build(source: pathlib.Path, wheel_dir: pathlib.Path, wheel_name: str) -> pathlib.Path:
    wheel_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=wheel_dir.parent, prefix=".build-") as tmp:
        copy = pathlib.Path(tmp, "source")
        for path in source_files(source):
            target = copy / path.relative_to(source)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
        out = pathlib.Path(tmp, "wheels")
        pip_wheel = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-input"]
        subprocess.run(
            [*pip_wheel, "--disable-pip-version-check", "--wheel-dir", str(out), str(copy)],
            check=True,
            env={**os.environ, "SOURCE_DATE_EPOCH": REPRODUCIBLE_EPOCH},
        )
        built = out / wheel_name
        if not built.is_file():
            found = sorted(p.name for p in out.iterdir())
            raise SystemExit(f"pip built {found}, not {wheel_name}")
        os.replace(built, wheel_dir / wheel_name)
    return wheel_dir / wheel_name


if __name__ == "__main__":
    print(build(pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2]), sys.argv[3]))
