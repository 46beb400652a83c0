"""The command line answers as fast as its imports allow (issue 16): a verb loads only what it
uses. Run as whole processes, because what a command imports is decided at start-up."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from desktop.cli import build_parser, main
from desktop.cli.commands import VERBS

#: Packages a command that neither signs, renders, reads images nor talks to a server never
#: needs; each costs start-up time (Qt, c2pa, Pillow, Exiv2, cryptography, rdflib, ...).
HEAVY = (
    "PySide6",
    "c2pa",
    "PIL",
    "pyexiv2",
    "cryptography",
    "rdflib",
    "iscc_core",
    "psycopg",
    "bagit",
    "alembic",
    "labels",
)

#: What only a change to a record needs: reading answers with plain SQL (store.reading), so
#: the ORM models (their classes and mappers) and the history writer are never loaded for it,
#: nor the frozen reports of what a change, an import or an export did (domain.reports).
WRITING = ("provenance.store.models", "provenance.store.history", "provenance.domain.reports")

_REPORT = (
    "import json, sys\n"
    "from desktop.cli import main\n"
    "status = main(sys.argv[1:])\n"
    "heavy = sorted({m.split('.')[0] for m in sys.modules} & set(json.loads(HEAVY)))\n"
    "writing = sorted(set(sys.modules) & set(json.loads(WRITING)))\n"
    "print('LOADED ' + json.dumps([status, heavy, writing]), file=sys.stderr)\n"
)


def _loaded(*args: str) -> tuple[int, list[str], str]:
    """Run `credence ARGS` in a fresh interpreter; (exit status, heavy packages loaded, stdout)."""
    status, heavy, _writing, out = _loaded_for_writing(*args)
    return status, heavy, out


def _loaded_for_writing(*args: str) -> tuple[int, list[str], list[str], str]:
    """As `_loaded`, with the modules of WRITING loaded too."""
    code = _REPORT.replace("HEAVY", repr(json.dumps(HEAVY)))
    code = code.replace("WRITING", repr(json.dumps(WRITING)))
    done = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, check=True
    )
    report = [line for line in done.stderr.splitlines() if line.startswith("LOADED ")]
    status, heavy, writing = json.loads(report[-1].removeprefix("LOADED "))
    return status, heavy, writing, done.stdout


@pytest.fixture(scope="module")
def library(tmp_path_factory):
    """A small library: two catalog items, one with an event and a draft AI disclosure."""
    folder = tmp_path_factory.mktemp("startup")
    catalog = folder / "catalog.csv"
    catalog.write_text(
        "accession,title,maker,date\n"
        "1901.1,Harbour at Dusk,Émile Laurent,1890\n"
        "1901.2,Study of a Vase,Farah Z,1922\n",
        encoding="utf-8",
    )
    lib = str(folder / "lib")
    assert main(["--library", lib, "catalog", "import", str(catalog)]) == 0
    assert main(["--library", lib, "tool", "add", "Restorer X", "--vendor", "Acme"]) == 0
    assert main(["--library", lib, "event", "add", "1901.1", "--action", "acquired",
                 "--actor", "The Museum", "--date", "1950"]) == 0  # fmt: skip
    assert main(["--library", lib, "disclose", "1901.1", "--category", "ai-restored",
                 "--tool", "Restorer X"]) == 0  # fmt: skip
    return lib


@pytest.mark.parametrize(
    "verb",
    [
        ["items"],
        ["items", "--json"],
        ["show", "1901.1"],
        ["show", "1901.1", "--json"],
        ["history", "1901.1"],
        ["history", "1901.1", "--json"],
    ],
    ids=" ".join,
)
def test_read_verbs_load_no_heavy_parts(library, verb):
    status, heavy, writing, out = _loaded_for_writing("--library", library, *verb)
    assert status == 0 and "1901.1" in out
    assert heavy == []
    assert writing == []


def test_labels_read_their_data_without_the_orm(library, tmp_path):
    """`credence labels` paints with Qt, but what it prints (items, wording, the files that
    say AI, the QR's export, settings, the originals it must not overwrite) is read plainly."""
    out = tmp_path / "labels.pdf"
    args = ["labels", "--all", "--template", "wall", "--allow-unreviewed", "--qr", "export"]
    status, _heavy, writing, stdout = _loaded_for_writing(
        "--library", library, *args, "--out", str(out)
    )
    assert status == 0 and "wrote 2 labels" in stdout and out.stat().st_size > 0
    assert writing == []


def test_a_change_to_a_record_loads_no_signing_or_image_parts(library):
    """A change runs the staleness check (what an export would sign now) without loading
    the signing side: c2pa, Pillow and Exiv2 are for the export itself."""
    status, heavy, _ = _loaded("--library", library, "set", "1901.2", "--dimensions", "3 x 4 cm")
    assert status == 0 and heavy == []
    status, heavy, _ = _loaded(
        "--library", library, "review", "1901.1", "--approve", "--by", "Jane Doe"
    )
    assert status == 0 and heavy == []
    status, _, out = _loaded("--library", library, "show", "1901.2")
    assert "3 x 4 cm" in out


@pytest.mark.parametrize(
    "argv",
    [
        ["items", "--search", "harbour", "--json"],
        ["--library", "x", "show", "1901.1"],
        ["--library=x", "history", "--verify"],
        ["review", "1901.1", "--approve"],
        ["catalog", "import", "a.csv", "--key", "accession"],
        ["identity", "show"],
        ["labels", "--all", "--template", "wall", "--out", "o.pdf"],
        ["checkin", "--from", "laptop", "--to", "team"],
        # The window: no verb is added, and the options read are the same.
        [],
        ["--library", "x"],
        ["--library=x"],
    ],
    ids=lambda argv: " ".join(argv) or "(nothing)",
)
def test_the_parser_of_one_verb_reads_a_command_as_the_whole_grammar_does(argv):
    assert vars(build_parser(argv).parse_args(argv)) == vars(build_parser().parse_args(argv))


def test_every_verb_is_listed_once_in_help_order():
    """VERBS (which module adds which verb) matches what the modules register."""
    choices = build_parser()._subparsers._group_actions[0].choices  # argparse keeps them here
    listed = [verb for _, _, verbs in VERBS for verb in verbs]
    assert listed == list(choices)
    for verb in listed:
        assert list(build_parser([verb])._subparsers._group_actions[0].choices).count(verb) == 1


def test_a_command_line_that_opens_the_window_adds_no_verb_and_help_still_lists_them_all():
    for argv in ([], ["--library", "x"], ["--library=x"]):
        assert not build_parser(argv)._subparsers._group_actions[0].choices
    listed = [verb for _, _, verbs in VERBS for verb in verbs]
    for argv in (["--library", "x", "--help"], ["--library=x", "-h"], ["--version"]):
        assert list(build_parser(argv)._subparsers._group_actions[0].choices) == listed


def test_help_lists_every_verb(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    for _, _, verbs in VERBS:
        for verb in verbs:
            assert f"\n    {verb} " in out or f"\n    {verb}\n" in out


_COLLECTIONS = (
    "import gc, sys\n"
    "early = []\n"
    "late = []\n"
    "gc.callbacks.append(lambda phase, info: phase == 'start' and 'desktop.cli' in sys.modules\n"
    "                    and (late if gc.get_freeze_count() else early).append(phase))\n"
    "from {module} import main\n"
    "sys.argv = ['credence', *sys.argv[1:]]\n"
    "status = main()\n"
    "print('COLLECTED', status, gc.isenabled(), len(early), len(late), file=sys.stderr)\n"
)


def _collections(module: str, *args: str) -> tuple[int, bool, int, int]:
    """Run `credence ARGS` from `module`'s main in a fresh interpreter: (exit status, collector
    on after main, collections during start-up, collections once start-up was done)."""
    code = _COLLECTIONS.format(module=module)
    done = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, check=True
    )
    line = next(x for x in done.stderr.splitlines() if x.startswith("COLLECTED "))
    status, enabled, early, late = line.removeprefix("COLLECTED ").split(" ")
    return int(status), enabled == "True", int(early), int(late)


def test_the_installed_command_collects_no_garbage_until_the_verb_runs(library):
    """The `credence` entry point (desktop.launch) turns the collector off before importing
    the command line: no collection walks the objects the imports made from then until the
    verb runs (with the collector on again, after main too)."""
    status, enabled, early, _late = _collections("desktop.launch", "--library", library, "tool",
                                                 "list")  # fmt: skip
    assert status == 0 and enabled and early == 0
    # Importing desktop.cli with the collector on, as before, collects during start-up.
    status, enabled, early, _late = _collections("desktop.cli", "--library", library, "tool",
                                                 "list")  # fmt: skip
    assert status == 0 and enabled and early > 0


_DURING = (
    "import gc, json, sys\n"
    "from desktop.cli import main\n"
    "from desktop.cli.commands import history, items\n"
    "seen = []\n"
    "def watch(run):\n"
    "    return lambda lib, args: seen.append(gc.isenabled()) or run(lib, args)\n"
    "items.run_items, items.run_show = watch(items.run_items), watch(items.run_show)\n"
    "history.run_history = watch(history.run_history)\n"
    "status = main(sys.argv[1:])\n"
    "print('DURING ' + json.dumps([status, seen, gc.isenabled()]), file=sys.stderr)\n"
)


@pytest.mark.parametrize(
    "verb", [["items", "--json"], ["show", "1901.1"], ["history", "--json"]], ids=" ".join
)
def test_read_verbs_run_without_collections(library, verb):
    """A verb that only reads runs with the collector off (reference counting frees what it
    made, and it makes no cycles worth looking for); main turns it on again for its caller."""
    done = subprocess.run(
        [sys.executable, "-c", _DURING, "--library", library, *verb],
        capture_output=True,
        text=True,
        check=True,
    )
    line = next(x for x in done.stderr.splitlines() if x.startswith("DURING "))
    assert json.loads(line.removeprefix("DURING ")) == [0, [False], True]
