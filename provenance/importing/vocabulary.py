"""Importing a controlled vocabulary: SKOS in Turtle, RDF/XML, N-Triples, JSON-LD or TriG,
read with rdflib (loaded only here, on first use).

What is read: concept schemes (several in one file), concepts with their prefLabel, altLabel
and hiddenLabel in every language (SKOS-XL labels too), and broader links stated either way
(skos:broader, skos:narrower, and Getty's gvp:broader). A concept that names no scheme
belongs to the file's only scheme, or to one named after the file when it declares none.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from provenance.domain.errors import LibraryError
from provenance.domain.reports import VocabularyImportReport
from provenance.domain.shipped import shipped_file
from provenance.domain.tags import fold
from provenance.domain.text import clean_text, path_text
from provenance.store.store import Store
from provenance.store.vocabularies import ParsedVocabulary, store_vocabulary

_SKOS = "http://www.w3.org/2004/02/skos/core#"
_SKOSXL = "http://www.w3.org/2008/05/skos-xl#"
_GVP_BROADER = "http://vocab.getty.edu/ontology#broader"
_TITLES = (
    f"{_SKOS}prefLabel",
    "http://purl.org/dc/terms/title",
    "http://purl.org/dc/elements/1.1/title",
    "http://www.w3.org/2000/01/rdf-schema#label",
)
#: Formats tried, in order, when the file's name says nothing rdflib recognises.
_SNIFFED = ("turtle", "xml", "json-ld", "trig", "nt")


def run(store: Store, path: Path) -> VocabularyImportReport:
    """Read the vocabulary file `path` and add or update its schemes and concepts."""
    parsed = read_vocabulary(path)
    return store_vocabulary(store, parsed, path.name)


def run_shipped(store: Store, name: str) -> VocabularyImportReport:
    """Import the vocabulary `name` shipped with Credence (see `domain.shipped`). Importing it
    again updates it in place, as for any vocabulary file."""
    packaged = shipped_file(name)
    # as_file: a real path even when the package is inside a zip (the desktop bundle).
    with resources.as_file(packaged) as path:
        parsed = read_vocabulary(Path(path))
    return store_vocabulary(store, parsed, f"{packaged.name} (shipped with Credence)")


def _parse(path: Path):
    import rdflib
    from rdflib.util import guess_format

    try:
        data = path.read_bytes()
    except OSError as exc:
        raise LibraryError(f"{path_text(path)} cannot be read: {exc.strerror or exc}") from None
    guessed = guess_format(path.name)
    head = data[:512].lstrip()
    if guessed:
        order = [guessed]
    elif head[:1] in (b"{", b"["):
        order = ["json-ld"]
    elif head[:1] == b"<" and not head.startswith(b"<http"):
        order = ["xml"]
    else:
        order = list(_SNIFFED)
    first_error = None
    for fmt in order:
        # Formats with named graphs (TriG, JSON-LD) are read as a dataset, then merged: a
        # vocabulary's statements count wherever the file puts them.
        named = fmt in ("trig", "json-ld", "nquads")
        graph = rdflib.Dataset() if named else rdflib.Graph()
        try:
            graph.parse(data=data, format=fmt, publicID=path.resolve().as_uri())
            if not named:
                return graph
            merged = rdflib.Graph()
            for s, p, o, _g in graph.quads((None, None, None, None)):
                merged.add((s, p, o))
            return merged
        except Exception as exc:  # rdflib raises many kinds for a bad file
            first_error = first_error or exc
    reason = str(first_error).splitlines()[0][:200] if first_error else "unknown format"
    raise LibraryError(
        f"{path_text(path)} is not an RDF file Credence can read (Turtle, RDF/XML, N-Triples, "
        f"JSON-LD or TriG): {reason}"
    )


def read_vocabulary(path: Path) -> ParsedVocabulary:
    """The schemes, concepts and broader links a SKOS file states."""
    from rdflib import RDF, BNode, Literal, URIRef

    graph = _parse(path)

    def uri(name: str) -> URIRef:
        return URIRef(name)

    scheme_type, concept_type = uri(f"{_SKOS}ConceptScheme"), uri(f"{_SKOS}Concept")
    in_scheme, top_of = uri(f"{_SKOS}inScheme"), uri(f"{_SKOS}topConceptOf")
    has_top = uri(f"{_SKOS}hasTopConcept")
    schemes = {s for s in graph.subjects(RDF.type, scheme_type) if isinstance(s, URIRef)}
    concepts = {c for c in graph.subjects(RDF.type, concept_type) if isinstance(c, URIRef)}
    scheme_of: dict[URIRef, URIRef] = {}
    for prop in (in_scheme, top_of):
        for c, s in sorted(graph.subject_objects(prop)):
            if isinstance(c, URIRef) and isinstance(s, URIRef) and c not in schemes:
                concepts.add(c)
                scheme_of.setdefault(c, s)
    for s, c in sorted(graph.subject_objects(has_top)):
        if isinstance(c, URIRef) and isinstance(s, URIRef):
            concepts.add(c)
            scheme_of.setdefault(c, s)
    if not schemes and not concepts:
        raise LibraryError(f"{path_text(path)} holds no SKOS concept scheme or concept")

    def text(lit) -> str:
        return " ".join(clean_text(str(lit)).split())

    def labels(node) -> list[tuple[str, str, str]]:
        found: dict[tuple[str, str, str], None] = {}
        for kind in ("pref", "alt", "hidden"):
            values = list(graph.objects(node, uri(f"{_SKOS}{kind}Label")))
            for xl in graph.objects(node, uri(f"{_SKOSXL}{kind}Label")):
                values.extend(graph.objects(xl, uri(f"{_SKOSXL}literalForm")))
            for lit in values:
                if isinstance(lit, Literal) and fold(str(lit)):
                    found[(kind, (lit.language or "").lower(), text(lit))] = None
        return sorted(found)

    parsed = ParsedVocabulary()
    for s in sorted(schemes | set(scheme_of.values())):
        titles: dict[str, str] = {}
        for prop in _TITLES:
            for lit in sorted(graph.objects(s, uri(prop))):
                if isinstance(lit, Literal) and text(lit):
                    titles.setdefault((lit.language or "").lower(), text(lit))
        parsed.schemes[str(s)] = titles
    default = None
    if len(parsed.schemes) == 1:
        default = next(iter(parsed.schemes))
    for c in sorted(concepts):
        scheme = scheme_of.get(c)
        if scheme is None and default is None:
            default = f"urn:credence:vocabulary:{path.stem}"
            parsed.schemes[default] = {"": path.stem}
        parsed.concepts[str(c)] = (str(scheme) if scheme else default, labels(c))
    known = {str(c) for c in concepts}
    pairs = [(n, b) for n, b in graph.subject_objects(uri(f"{_SKOS}broader"))]
    pairs += [(n, b) for n, b in graph.subject_objects(uri(_GVP_BROADER))]
    pairs += [(n, b) for b, n in graph.subject_objects(uri(f"{_SKOS}narrower"))]
    for n, b in pairs:
        if isinstance(n, BNode) or isinstance(b, BNode) or not isinstance(n, URIRef):
            continue
        if str(n) in known or str(b) in known:
            parsed.links.add((str(n), str(b)))
    return parsed
