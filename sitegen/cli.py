"""The command line: parses arguments, calls `build` and friends, reports results."""
from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import Sequence

from sitegen import __version__
from sitegen.errors import BuildError, Problem, SitegenError

log = logging.getLogger("sitegen")


def _site_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--site", type=Path, default=Path("."), metavar="DIR",
                        help="the site folder holding site.yaml (default: here)")


def make_parser(extra_commands: bool = True) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="sitegen", description=__doc__)
    parser.add_argument("--version", action="version", version=f"sitegen {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log more")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    build = commands.add_parser("build", help="build the site into public/")
    _site_args(build)
    build.add_argument("--output", type=Path, metavar="DIR", help="write here instead")
    build.add_argument("--strict", action="store_true", help="treat warnings as errors")
    build.add_argument("--drafts", action="store_true", help="include draft episodes")
    build.add_argument("--force", action="store_true",
                       help="replace an output folder sitegen did not create")

    check = commands.add_parser("check", help="report every problem without writing")
    _site_args(check)
    check.add_argument("--strict", action="store_true", help="treat warnings as errors")
    check.add_argument("--drafts", action="store_true", help="include draft episodes")

    new = commands.add_parser("new", help="start a new episode file")
    _site_args(new)
    new.add_argument("title", help="the episode's title")
    new.add_argument("--date", help="publication date, YYYY-MM-DD (default: today)")

    if extra_commands:  # serve and import load their modules: not for every build
        from sitegen import commands as extra
        extra.register(commands)
    return parser


def report(problems: Sequence[Problem], root: Path) -> None:
    for problem in problems:
        print(problem.format(root), file=sys.stderr)


SCREEN_LINES = 20


def report_failure(problems: Sequence[Problem], root: Path) -> None:
    """One screen at most, errors first; `sitegen check` lists every problem."""
    ordered = sorted(problems, key=lambda p: not p.is_error)
    lines = [problem.format(root) for problem in ordered]
    shown = 0
    used = 0
    for text in lines:
        height = text.count("\n") + 1
        if shown and used + height > SCREEN_LINES:
            break
        print(text, file=sys.stderr)
        used += height
        shown += 1
    if shown < len(lines):
        print(f"... and {len(lines) - shown} more; `sitegen check` lists them all",
              file=sys.stderr)


def run_build(args: argparse.Namespace) -> int:
    from sitegen.build import BuildOptions, build
    options = BuildOptions(site_dir=args.site, output_dir=args.output, strict=args.strict,
                           drafts=args.drafts, force=args.force)
    result = build(options, progress=_progress if sys.stderr.isatty() else None)
    report(result.warnings, args.site)
    if sys.stderr.isatty():
        print("\r\033[K", end="", file=sys.stderr)
    episodes = result.episodes
    print(f"Built {episodes} episode{'s' * (episodes != 1)}, {result.pages} pages, "
          f"{result.files} files into {result.output} in {result.seconds:.2f} s")
    return 0


def _progress(phase: str) -> None:
    print(f"\r\033[K  {phase.replace('_', ' ')}...", end="", file=sys.stderr, flush=True)


def run_check(args: argparse.Namespace) -> int:
    from sitegen.build import BuildOptions, check
    problems = check(BuildOptions(site_dir=args.site, strict=args.strict, drafts=args.drafts))
    report(problems, args.site)
    errors = [p for p in problems if p.is_error or args.strict]
    warnings = len(problems) - len(errors)
    print(f"{len(errors)} error{'s' * (len(errors) != 1)}, "
          f"{warnings} warning{'s' * (warnings != 1)}")
    return 1 if errors else 0


def run_new(args: argparse.Namespace) -> int:
    from sitegen.source.new import new_episode
    path = new_episode(args.site.resolve(), args.title, args.date)
    print(f"Wrote {path}")
    return 0


HANDLERS = {"build": run_build, "check": run_check, "new": run_new}


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    command = next((a for a in argv if not a.startswith("-")), None)
    parser = make_parser(extra_commands=command not in HANDLERS)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    from sitegen import commands as extra
    handler = HANDLERS.get(args.command) or extra.HANDLERS[args.command]
    try:
        return handler(args)
    except BuildError as exc:
        report_failure(exc.problems, args.site)
        errors = sum(1 for p in exc.problems if p.is_error)
        print(f"Build failed: {errors} error{'s' * (errors != 1)}; the previous output is "
              "unchanged.", file=sys.stderr)
        return 1
    except SitegenError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug in sitegen: say so plainly, traceback only with -v
        if args.verbose:
            raise
        print(f"internal error: {type(exc).__name__}: {exc}\n"
              "This is a bug in sitegen; run again with -v for the traceback and report it. "
              "The previous output is unchanged.", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
