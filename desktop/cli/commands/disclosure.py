"""`credence disclose`, `wording` and `review`: what AI did, how it is said, who checked it."""

from __future__ import annotations

from argparse import Namespace
from typing import TYPE_CHECKING

from desktop.cli.output import say
from desktop.cli.parsing import UsageError, Verbs
from desktop.cli.status import EXIT_OK
from provenance import CATEGORY_SLUGS

if TYPE_CHECKING:
    from provenance import Library

#: One flag per review state (REVIEW_STATES), spelled as people say it: --approve, not
#: --approved. A test checks that the flags cover every state.
REVIEW_FLAGS = {"--approve": "approved", "--reviewed": "reviewed", "--draft": "draft"}


def register(verbs: Verbs) -> None:
    """Add the `disclose`, `wording` and `review` verbs."""
    p = verbs.add_parser("disclose", help="record what AI did to an item")
    p.add_argument("item", metavar="ITEM")
    p.add_argument("--category", required=True, choices=CATEGORY_SLUGS, metavar="SLUG")
    p.add_argument("--tool", action="append", default=[], metavar="NAME")
    p.add_argument("--purpose")
    p.add_argument("--extent")
    p.add_argument("--field", action="append", default=[], metavar="NAME")
    p.set_defaults(run=run_disclose)

    p = verbs.add_parser("wording", help="show, override or restore disclosure wording")
    p.add_argument("item", metavar="ITEM")
    p.add_argument(
        "--lang",
        "--language",
        dest="lang",
        metavar="CODE",
        help="language (default: the library's)",
    )
    p.add_argument("--override", metavar="CATEGORY=SENTENCE", help="use your own sentence")
    p.add_argument("--restore", metavar="CATEGORY", help="go back to the generated sentence")
    p.add_argument(
        "--purpose", metavar="CATEGORY=TEXT", help="the purpose translated into this language"
    )
    p.add_argument("--restore-purpose", metavar="CATEGORY", help="remove the purpose's translation")
    p.set_defaults(run=run_wording)

    p = verbs.add_parser("review", help="review or approve an item's disclosures")
    p.add_argument("item", metavar="ITEM")
    state = p.add_mutually_exclusive_group(required=True)
    for flag, value in REVIEW_FLAGS.items():
        state.add_argument(flag, dest="state", action="store_const", const=value)
    p.add_argument("--by", metavar="NAME", help="who reviewed (required unless --draft)")
    p.set_defaults(run=run_review)


def run_disclose(lib: Library, args: Namespace) -> int:
    """Record the disclosure (as a draft: it needs review before export)."""
    d = lib.disclose(
        args.item,
        args.category,
        tools=args.tool,
        purpose=args.purpose,
        extent=args.extent,
        fields=args.field,
    )
    say(f"disclosure {d.id}: {d.category}, {d.review_state} (needs review before export)")
    return EXIT_OK


def run_wording(lib: Library, args: Namespace) -> int:
    """Apply an override, a purpose translation or a restore if asked, then show the wording at
    its three levels."""
    language = args.lang or lib.settings().language
    if args.override:
        slug, sep, sentence = args.override.partition("=")
        if not sep or not sentence.strip():
            raise UsageError("--override CATEGORY=SENTENCE, e.g. --override ai-restored='...'")
        view = lib.override_sentence(args.item, slug.strip(), language, sentence)
        say(f"disclosure {view.id} ({view.category}): own sentence set; now {view.review_state}")
    elif args.restore:
        view = lib.override_sentence(args.item, args.restore.strip(), language, None)
        say(f"disclosure {view.id} ({view.category}): generated sentence restored")
    if args.purpose:
        slug, sep, text = args.purpose.partition("=")
        if not sep or not text.strip():
            raise UsageError("--purpose CATEGORY=TEXT, e.g. --purpose ai-restored='...'")
        view = lib.override_purpose(args.item, slug.strip(), language, text)
        say(
            f"disclosure {view.id} ({view.category}): purpose translated into {language}; "
            f"now {view.review_state}"
        )
    elif args.restore_purpose:
        view = lib.override_purpose(args.item, args.restore_purpose.strip(), language, None)
        say(f"disclosure {view.id} ({view.category}): purpose translation removed")
    for view, wording in lib.wordings(args.item, language):
        own = " (your own sentence)" if view.own_sentence(language) else ""
        translated = (
            " (your translation of the purpose)" if view.purpose_translation(language) else ""
        )
        say(f"{view.category} [{view.review_state}]")
        say(f"  badge:    {wording.badge}")
        say(f"  sentence: {wording.sentence}{own}")
        say(f"  detail:   {wording.detail}{translated}")
    return EXIT_OK


def run_review(lib: Library, args: Namespace) -> int:
    """Move the item's disclosures to the chosen review state, naming the reviewer."""
    if args.state != "draft" and not args.by:
        raise UsageError("--by NAME is required: a review names the person who made it")
    for d in lib.review(args.item, args.state, args.by or ""):
        say(f"disclosure {d.id} ({d.category}): {d.review_state}")
    return EXIT_OK
