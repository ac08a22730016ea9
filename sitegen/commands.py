"""Commands beyond build/check/new (serve, import): each registers itself here.

Kept apart from cli.py so the features that add commands touch one small list.
"""
from __future__ import annotations

import argparse
from typing import Callable

HANDLERS: dict[str, Callable[[argparse.Namespace], int]] = {}


def register(commands: argparse._SubParsersAction) -> None:
    """Add each extra command's parser; its handler goes into HANDLERS."""
    from sitegen.serve import command as serve
    serve.add_parser(commands)
    HANDLERS["serve"] = serve.run_serve
    from sitegen.importers import command as importer
    importer.add_parser(commands)
    HANDLERS["import"] = importer.run_import
