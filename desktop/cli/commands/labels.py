"""`credence labels` and `credence templates`: exhibit labels to PDF or PNG."""

from __future__ import annotations

import contextlib
import gc
import itertools
import os
import pickle
import signal
import sys
import threading
import weakref
from argparse import Namespace
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from desktop.cli.output import emit_json, refused_line, say
from desktop.cli.parsing import UsageError, Verbs, one_selection
from desktop.cli.status import EXIT_OK, EXIT_REJECTED

if TYPE_CHECKING:
    from desktop.labelling import LabelPlan
    from labels import LabelContent, Template
    from provenance import ItemView, Library, LibraryReader

#: What the command needs of each painted label: its page and its findings (rule, message).
Painted = list[tuple[int, tuple[tuple[str, str], ...]]]
#: Where a painter process can be forked before Qt is loaded (macOS and Windows cannot).
_FORKING = ("linux", "freebsd", "openbsd", "netbsd")


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
    p.set_defaults(run=run_labels, begin=begin_labels, read=read_labels_library)
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


def begin_labels(args: Namespace) -> None:
    """Before the library opens: start the process that will paint (see `_Painter`)."""
    args.painter = _Painter.start()


def read_labels_library(location: Path | str, args: Namespace) -> LibraryReader | None:
    """The library opened for reading without SQLAlchemy, when it can be (see
    `provenance.read_library`): a search needs the full library's query builder."""
    if args.search:
        return None
    from provenance import read_library

    return read_library(location)


def run_labels(lib: Library | LibraryReader, args: Namespace) -> int:
    """Render the labels; 1 if an item was refused, or with --strict on any preflight finding."""
    painter: _Painter | None = getattr(args, "painter", None)
    try:
        return _labels(lib, args, painter)
    finally:
        if painter is not None:
            painter.close()


def _labels(lib: Library | LibraryReader, args: Namespace, painter: _Painter | None) -> int:
    from desktop.labelling import LabelPlan
    from labels import get_template, page_count, png_page_path

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
    elif args.search:
        items = lib.list_items(args.search)  # a Library (see read_labels_library)
    else:
        # plan_labels reads what it needs of a thousand items at once: no details here.
        items = lib.list_items()
    qr = args.qr if args.qr is not None else (lib.settings().qr_pattern or None)
    kind = suffix[1:]
    plan = LabelPlan()  # the whole batch, as its chunks are planned
    batches = _planned(
        lib, items, plan, language=args.lang, allow_unreviewed=args.allow_unreviewed, qr=qr
    )
    if kind == "png":
        # A PNG a page, named by page number: every label is planned before files are claimed.
        batches = iter([[content for batch in batches for content in batch]])
    first = next((batch for batch in batches if batch), None)
    painted: Painted = []
    if first is not None:
        out = args.out.expanduser()
        if not out.parent.is_dir():
            raise UsageError(f"cannot write {out}: the folder {out.parent} does not exist")
        if kind == "pdf":
            targets = [out]
        else:
            pages = range(1, page_count(len(plan.contents), template) + 1)
            targets = [png_page_path(out, page) for page in pages]
        # What exists now (modules, the plan) lives until the command ends: spare the garbage
        # collector scanning it again, here and when the interpreter exits.
        gc.freeze()
        # Every file is claimed here (a refused target changes nothing), painted into its
        # temporary file, and moved into place when all are painted. A PDF's labels are
        # planned while the first ones are painted.
        with lib.output_run().writing_all(targets) as temps:
            batches = itertools.chain([first], batches)
            if painter is not None:
                painted = painter.paint(kind, batches, template, temps)
            else:
                painted = paint(kind, itertools.chain.from_iterable(batches), template, temps)
    findings = [(item, p) for item, p in zip(plan.items, painted, strict=True) if p[1]]
    if args.json:
        emit_json(
            {
                "labels": [
                    {
                        "item": item.label,
                        "page": page,
                        "draft": content.draft,
                        "findings": [{"rule": rule, "message": msg} for rule, msg in found],
                    }
                    for item, content, (page, found) in zip(
                        plan.items, plan.contents, painted, strict=True
                    )
                ],
                "refused": [{"item": i, "reason": reason} for i, reason in plan.refused],
            }
        )
    else:
        for item, (page, found) in findings:
            for rule, message in found:
                say(f"{item.label} (page {page}): {rule}: {message}")
        for label, reason in plan.refused:
            hint = "; use --allow-unreviewed to print a DRAFT" if "not approved" in reason else ""
            refused_line(label, reason, hint)
        if painted:
            say(f"wrote {len(painted)} labels to {args.out} ({painted[-1][0]} pages)")
        elif not plan.refused:  # said, so an empty run is not taken for a silent failure
            found = f"no item matches {args.search!r}" if args.search else "the library is empty"
            say(f"no labels written: {found}")
    if plan.refused or (args.strict and findings):
        return EXIT_REJECTED
    return EXIT_OK


#: Items planned at a time: a first small chunk starts the painter early, then larger ones.
_CHUNKS = (50, 250)


def _planned(
    lib: Library | LibraryReader,
    items: Sequence[ItemView],
    plan: LabelPlan,
    *,
    language: str | None,
    allow_unreviewed: bool,
    qr: str | None,
) -> Iterator[list[LabelContent]]:
    """Plan the labels of `items` a chunk at a time (see `plan_labels`), adding each chunk's
    items, contents and refusals to `plan`; yields each chunk's contents."""
    from desktop.labelling import plan_labels

    start, size = 0, _CHUNKS[0]
    while start < len(items):
        part = plan_labels(
            lib,
            items[start : start + size],
            language=language,
            allow_unreviewed=allow_unreviewed,
            qr_pattern=qr,
        )
        plan.contents += part.contents
        plan.items += part.items
        plan.refused += part.refused
        yield part.contents
        start, size = start + size, _CHUNKS[1]


def paint(
    kind: str, contents: Iterable[LabelContent], template: Template, files: Sequence[Path]
) -> Painted:
    """Paint `contents` into claimed `files`: one PDF ("pdf"), or one PNG a page ("png").
    A PDF's `contents` may be a stream: labels are painted as they come."""
    from labels import ensure_gui, write_pdf, write_png

    ensure_gui()
    gc.freeze()  # Qt's modules too (see _labels)
    _keep_freed_memory()
    if kind == "pdf":
        rendered = write_pdf(contents, template, files[0])
    else:
        rendered = write_png(list(contents), template, files)
    return [(r.page, tuple((f.rule, f.message) for f in r.findings)) for r in rendered]


#: mallopt's parameter number for M_TRIM_THRESHOLD (glibc's malloc.h).
_M_TRIM_THRESHOLD = -1


def _keep_freed_memory() -> None:
    """Let glibc's malloc keep up to 32 MB it frees instead of returning it to the system.

    Qt compresses every PDF page in zlib buffers it allocates and frees again (about 256 KB a
    page); by default malloc hands that memory back at each free and the next page faults it
    in again, zeroed. Measured on 1,000 labels: a fifth less CPU painting in one process, 5%
    in the forked painter. The command ends soon after, so keeping the memory costs nothing.
    Elsewhere (no glibc), nothing changes.
    """
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return
    mallopt(_M_TRIM_THRESHOLD, 32 << 20)


class _Painter:
    """A second process that paints the labels, forked before the library opens.

    Loading Qt, the application object and the fonts takes about 0.1 s and needs no library:
    the child does that while this process opens the library and plans the first labels (a
    local library is read with sqlite3 alone, see `read_labels_library`), then paints what
    this process sends (`paint`, the same function as in one process) into the files this
    process claimed, and answers with pages and findings. Where fork is unsafe (macOS,
    Windows) or Qt is already loaded in this process
    (the window, tests), `start` gives None and labels are painted in this process.
    """

    def __init__(self, pid: int, requests: BinaryIO, replies: BinaryIO) -> None:
        self._requests = requests
        self._replies = replies
        # Ends the child when the command is done with it, or when this object goes away
        # unused (the library could not be opened): a child never outlives its command.
        self.close = weakref.finalize(self, _end_child, pid, requests, replies)

    @classmethod
    def start(cls) -> _Painter | None:
        """Fork the painter, or None where it cannot be (see the class notes)."""
        if (
            not sys.platform.startswith(_FORKING)
            or "PySide6" in sys.modules
            or threading.active_count() > 1
        ):
            return None
        from_parent, to_child = os.pipe()
        from_child, to_parent = os.pipe()
        for stream in (sys.stdout, sys.stderr):
            stream.flush()  # or the child's copy of a buffer could be written twice
        # What exists now is kept by both processes until they end: out of the collector's
        # reach, the child's collections do not touch (and so copy) the pages it shares.
        gc.freeze()
        try:
            pid = os.fork()
        except OSError:  # no process to spare: paint in this one
            for fd in (from_parent, to_child, from_child, to_parent):
                os.close(fd)
            return None
        if pid == 0:  # the child: never returns into the command
            os.close(to_child)
            os.close(from_child)
            status = 1
            try:
                _serve(from_parent, to_parent)
                status = 0
            finally:
                os._exit(status)
        os.close(from_parent)
        os.close(to_parent)
        return cls(pid, os.fdopen(to_child, "wb"), os.fdopen(from_child, "rb"))

    def paint(
        self,
        kind: str,
        batches: Iterable[list[LabelContent]],
        template: Template,
        files: Sequence[Path],
    ) -> Painted:
        """`paint(...)` in the child, of the labels of `batches` in turn: each is sent as it
        is planned (an error planning one is raised as it is), and the child paints it while
        the next is planned. The child's error is raised here."""
        try:
            try:
                self._send((kind, template, list(files)))
                for batch in batches:
                    self._send(batch)
                self._send(None)  # the end
                self._requests.close()
            except _ChildStopped:
                pass  # it stopped reading (an error): its answer says why
            try:
                outcome, value = pickle.load(self._replies)
            except (EOFError, OSError, pickle.UnpicklingError):
                raise RuntimeError("the process painting the labels stopped unexpectedly") from None
        finally:
            self.close()
        if outcome == "error":
            raise value
        return value

    def _send(self, message: object) -> None:
        try:
            pickle.dump(message, self._requests)
            self._requests.flush()  # now: the child paints it while the next one is planned
        except OSError:
            raise _ChildStopped from None


class _ChildStopped(Exception):
    """The painter stopped reading what it was sent (it answers with the reason)."""


def _end_child(pid: int, *pipes: BinaryIO) -> None:
    """Close the pipes to the painter, end it and collect its exit status. It has answered,
    or its work is not wanted any more: either way nothing of it is lost. Only this process
    collects the child, so its process id cannot have been reused before `waitpid`."""
    for pipe in pipes:
        # Closing flushes what the child did not read: it is not wanted.
        with contextlib.suppress(OSError):
            pipe.close()
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)


def _serve(requests_fd: int, replies_fd: int) -> None:
    """The painter child: load Qt and the fonts, wait for one batch, paint it, answer.

    A start-up failure is the batch's answer, so the parent reports the real error, as it
    would painting in one process (where the same start-up happens inside `paint`)."""
    failed: BaseException | None = None
    try:
        from labels import ensure_gui, register_fonts

        ensure_gui()
        register_fonts()
    except BaseException as error:
        failed = error
    requests = os.fdopen(requests_fd, "rb")
    try:
        kind, template, files = pickle.load(requests)
    except EOFError:  # the command ended without labels to paint
        return

    def contents() -> Iterator[LabelContent]:
        while (batch := pickle.load(requests)) is not None:
            yield from batch

    try:
        if failed is not None:
            raise failed
        reply: tuple[str, object] = ("painted", paint(kind, contents(), template, files))
    except BaseException as error:  # the parent reports it, as it would its own
        try:
            pickle.dumps(error)
            reply = ("error", error)
        except Exception:  # an error that cannot travel: say what it was
            reply = ("error", RuntimeError(f"{type(error).__name__}: {error}"))
    with os.fdopen(replies_fd, "wb") as replies:
        pickle.dump(reply, replies)
