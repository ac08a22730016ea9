"""The `serve` command's arguments and handler (registered in sitegen/commands.py)."""
from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path
from types import FrameType


def add_parser(commands: argparse._SubParsersAction) -> None:
    serve = commands.add_parser(
        "serve", help="build, serve on localhost, and rebuild and reload on every change")
    serve.add_argument("--site", type=Path, default=Path("."), metavar="DIR",
                       help="the site folder holding site.yaml (default: here)")
    serve.add_argument("--port", type=_port, default=8000,
                       help="port to listen on (default: 8000; 0 picks a free one)")
    serve.add_argument("--bind", default="127.0.0.1", metavar="ADDRESS",
                       help="address to listen on (default: 127.0.0.1, this machine only)")
    serve.add_argument("--poll", action="store_true",
                       help="poll for changes instead of using OS events (network drives, "
                            "some containers)")
    serve.add_argument("--drafts", action="store_true", help="include draft episodes")


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"{value} is not a port number (0-65535)")
    return value


def run_serve(args: argparse.Namespace) -> int:
    from sitegen.serve.devserver import DevServer, ServeOptions
    options = ServeOptions(site_dir=args.site, bind=args.bind, port=args.port,
                           poll=args.poll, drafts=args.drafts)
    server = DevServer(options, report=lambda text: print(text, file=sys.stderr, flush=True))
    # SIGINT too: a shell script's background job starts with it ignored, and then
    # Ctrl-C (or `kill -INT`) would not stop the server.
    previous = {sig: signal.signal(sig, _interrupt) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        url = server.start()
        print(f"Serving {url} (Ctrl-C to stop)", flush=True)
        server.serve_forever()
    except KeyboardInterrupt:
        server.stop()
        print("Stopped.", file=sys.stderr)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt
