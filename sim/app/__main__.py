"""``python -m sim.app [--port N]``: serve the web app, bound to localhost, uploads limited.

The safe settings are passed on the command line so no configuration file can loosen them by
accident: the address is 127.0.0.1 unless ``--address`` says otherwise, uploads are capped by
Streamlit at 1 MB (and by the app at :data:`sim.app.config.MAX_UPLOAD_BYTES`), and nothing is
sent to Streamlit's usage statistics.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sim.app import config

SCRIPT = Path(__file__).with_name("main.py")


def streamlit_args(port: int = config.PORT, address: str = config.HOST) -> list[str]:
    return ["streamlit", "run", str(SCRIPT), "--server.address", address,
            "--server.port", str(port), "--server.headless", "true",
            "--server.maxUploadSize", "1", "--browser.gatherUsageStats", "false",
            "--server.fileWatcherType", "none", "--global.developmentMode", "false",
            "--client.toolbarMode", "viewer"]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m sim.app", description=__doc__)
    p.add_argument("--port", type=int, default=config.PORT)
    p.add_argument("--address", default=config.HOST,
                   help="interface to listen on (default 127.0.0.1: this machine only)")
    args = p.parse_args(argv)
    from streamlit.web import cli

    sys.argv = streamlit_args(args.port, args.address)
    return int(cli.main() or 0)


if __name__ == "__main__":
    raise SystemExit(main())
