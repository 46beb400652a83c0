"""`credence tool add | list`: the AI tool registry."""

from __future__ import annotations

from argparse import Namespace
from typing import TYPE_CHECKING

from desktop.cli.output import say
from desktop.cli.parsing import Verbs
from desktop.cli.status import EXIT_OK
from provenance import TOOL_RUNS

if TYPE_CHECKING:
    from provenance import Library


def register(verbs: Verbs) -> None:
    """Add the `tool` verb and its actions."""
    tool = verbs.add_parser("tool", help="the AI tool registry")
    actions = tool.add_subparsers(dest="tool_verb", metavar="ACTION", required=True)
    p = actions.add_parser("add", help="register an AI tool")
    p.add_argument("name", metavar="NAME")
    p.add_argument("--vendor", required=True)
    p.add_argument("--version")
    p.add_argument("--runs", choices=TOOL_RUNS)
    p.add_argument("--training-data", help="what the vendor states about training data")
    p.add_argument("--retention", help="what the vendor states about data retention")
    p.add_argument("--docs", metavar="URL", help="documentation link")
    p.set_defaults(run=run_tool_add)
    actions.add_parser("list", help="list registered AI tools").set_defaults(run=run_tool_list)


def run_tool_list(lib: Library, args: Namespace) -> int:
    """One line per registered tool."""
    for tool in lib.list_tools():
        version = f" {tool.version}" if tool.version else ""
        say(f"{tool.name}{version} ({tool.vendor}){' - ' + tool.runs if tool.runs else ''}")
    return EXIT_OK


def run_tool_add(lib: Library, args: Namespace) -> int:
    """Register the tool."""
    tool = lib.add_tool(
        args.name,
        args.vendor,
        version=args.version,
        runs=args.runs,
        training_data=args.training_data,
        retention=args.retention,
        documentation=args.docs,
    )
    say(f"tool registered: {tool.name}{' ' + tool.version if tool.version else ''}")
    return EXIT_OK
