"""`credence labels` and `credence templates`: exhibit labels to PDF or PNG."""

from __future__ import annotations

import gc
from argparse import Namespace
from pathlib import Path
from typing import TYPE_CHECKING

from desktop.cli.output import emit_json, refused_line, say
from desktop.cli.parsing import UsageError, Verbs, one_selection
from desktop.cli.status import EXIT_OK, EXIT_REJECTED

if TYPE_CHECKING:
    from provenance import Library


def register(verbs: Verbs) -> None:
    """Add the `labels` and `templates` verbs."""
    p = verbs.add_parser("labels", help="render exhibit labels to PDF or PNG")
    p.add_argument("items", nargs="*", metavar="ITEM")
    p.add_argument("--all", action="store_true")
    p.add_argument("--search", metavar="TEXT")
    p.add_argument("--template", required=True, metavar="NAME", help="see `credence templates`")
    p.add_argument("--out", required=True, type=Path, metavar="FILE.pdf|FILE.png")
    p.add_argument("--lang", metavar="CODE", help="language of the disclosure wording")
    p.add_argument("--qr", metavar="PATTERN", help="URL pattern with {accession}, or 'export'")
    p.add_argument("--strict", action="store_true", help="fail on any preflight finding")
    p.add_argument("--allow-unreviewed", action="store_true", help="print DRAFT labels")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=run_labels)
    verbs.add_parser("templates", help="list label templates").set_defaults(run=run_templates)


def run_templates(lib: Library, args: Namespace) -> int:
    """One line per label template: page size, labels per sheet, smallest type."""
    from labels import load_templates

    for name, template in sorted(load_templates().items()):
        size = f"{template.page_width_mm:.0f} x {template.page_height_mm:.0f} mm"
        per_sheet = template.columns * template.rows
        sheet = f", {per_sheet} per sheet" if per_sheet > 1 else ""
        say(f"{name:14} {size}{sheet}, min {template.min_size_pt:g} pt - {template.description}")
    return EXIT_OK


def run_labels(lib: Library, args: Namespace) -> int:
    """Render the labels; 1 if an item was refused, or with --strict on any preflight finding."""
    from desktop.labelling import plan_labels
    from labels import ensure_gui, get_template, render_pdf, render_png

    one_selection(args)
    suffix = args.out.suffix.lower()
    if suffix not in (".pdf", ".png"):
        raise UsageError("--out must end in .pdf or .png")
    try:
        template = get_template(args.template)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if args.items:
        items = [lib.get_item(ref) for ref in args.items]
    else:
        # plan_labels reads what it needs of a thousand items at once: no details here.
        items = lib.list_items(args.search if args.search else None)
    qr = args.qr if args.qr is not None else (lib.settings().qr_pattern or None)
    plan = plan_labels(
        lib, items, language=args.lang, allow_unreviewed=args.allow_unreviewed, qr_pattern=qr
    )
    rendered = []
    if plan.contents:
        ensure_gui()
        # What exists now (modules, the plan) lives until the command ends: spare the garbage
        # collector scanning it again and again while a thousand labels are painted.
        gc.freeze()
        render = render_pdf if suffix == ".pdf" else render_png
        rendered = render(plan.contents, template, args.out, output=lib.output_run())
    findings = [(item, r) for item, r in zip(plan.items, rendered, strict=True) if r.findings]
    if args.json:
        emit_json(
            {
                "labels": [
                    {
                        "item": item.label,
                        "page": r.page,
                        "draft": r.content.draft,
                        "findings": [{"rule": f.rule, "message": f.message} for f in r.findings],
                    }
                    for item, r in zip(plan.items, rendered, strict=True)
                ],
                "refused": [{"item": i, "reason": reason} for i, reason in plan.refused],
            }
        )
    else:
        for item, r in findings:
            for f in r.findings:
                say(f"{item.label} (page {r.page}): {f.rule}: {f.message}")
        for label, reason in plan.refused:
            hint = "; use --allow-unreviewed to print a DRAFT" if "not approved" in reason else ""
            refused_line(label, reason, hint)
        if rendered:
            say(f"wrote {len(rendered)} labels to {args.out} ({rendered[-1].page} pages)")
    if plan.refused or (args.strict and findings):
        return EXIT_REJECTED
    return EXIT_OK
