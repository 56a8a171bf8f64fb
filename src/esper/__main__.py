"""``python -m esper`` runs the ``esper`` command line."""

from esper.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
