"""``python -m sim.cli``: the command line, as ``run_sim.py``."""

from sim.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
