"""Argument-parsing pieces every verb shares: the parser class, usage errors, number types."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import TypeAlias

from provenance import MAX_SQLITE_INT

#: What `register()` of a command module receives: the `VERB` subparsers of `credence`.
Verbs: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


class UsageError(Exception):
    """Wrong arguments: exit status 2."""


class Parser(argparse.ArgumentParser):
    """argparse, with its errors raised as UsageError instead of exiting the process."""

    def error(self, message: str) -> None:  # argparse's hook; keep its exit status 2
        self.print_usage(sys.stderr)
        raise UsageError(message)


def whole_number(low: int, high: int = MAX_SQLITE_INT) -> Callable[[str], int]:
    """An argparse type for a whole number from `low` to `high`: a number the database cannot
    hold (or a machine cannot run) is a usage error, never an overflow deep inside."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text[:40]!r} is not a whole number") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(
                f"{text[:40]} is out of range: give a number from {low} to {high}"
            )
        return value

    parse.__name__ = "number"  # argparse names the type in its messages
    return parse


def one_selection(args: argparse.Namespace) -> None:
    """Verbs that act on ITEMs, --all or --search TEXT take exactly one of the three."""
    chosen = sum(bool(x) for x in (args.items, args.all, args.search))
    if chosen != 1:
        raise UsageError("name the ITEMs, or use --all or --search TEXT (one of them)")
