"""Command-line entry point; all logic lives in sim.cli."""

from sim.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
