"""Existing C2PA credentials (Content Credentials) in a file, read offline with c2pa-python.

The result is a ``CredentialSummary``: a frozen, JSON-ready record of what was found, with a
state a registrar can act on:

- ``none``    no manifest, or a format c2pa cannot look inside (PSD, text); the summary says which
- ``valid``   intact and correctly signed, signer not in the trust list (the usual case)
- ``trusted`` intact and signed by a certificate under one of the given trust anchors
- ``invalid`` the manifest is readable but does not verify (tampered, expired, ...)
- ``error``   the manifest could not be checked: damaged, pre-release, or stored online only

Ingredient problems are reported separately, because c2pa keeps the top-level state ``Valid``
when only an ingredient (an earlier version, a placed image) fails.

Nothing here touches the network (house rule 7): remote manifests and OCSP are never fetched.
"""

from __future__ import annotations

import json
import mimetypes
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, cast

import c2pa

from provenance.media.probe import (
    IPTC_DIGITAL_SOURCE_TYPE,
    normalise_digital_source_type,
    open_regular,
)

__all__ = [
    "CredentialReader",
    "CredentialState",
    "CredentialSummary",
    "IngredientProblem",
    "read_credentials",
]

CredentialState = Literal["none", "valid", "trusted", "invalid", "error"]

# Failure codes that say "this reader does not know the signer", not "the file is wrong". They
# depend on the trust list of whoever reads the file, and every test or vendor certificate is
# untrusted without one, so on an ingredient they are not shown as a problem. (On the active
# manifest they stay in ``codes``: that is exactly what "valid, not trusted" means.)
_TRUST_LIST_CODES = frozenset(
    {"signingCredential.untrusted", "cawg.x509.credential.untrusted", "timeStamp.untrusted"}
)

# Older ingredient assertions carry one mixed ``validation_status`` list; these codes in it are
# successes or information, not failures (C2PA 2.x section 15, "Validation status codes").
_NOT_FAILURE_SUFFIXES = (".match", ".validated", ".trusted", ".insideValidity", ".accessible")
_INFORMATIONAL_CODES = frozenset(
    {
        "algorithm.deprecated",
        "ingredient.unknownProvenance",
        "manifest.unknownProvenance",
        "signingCredential.ocsp.notRevoked",
        "signingCredential.ocsp.skipped",
        "signingCredential.ocsp.inaccessible",
        "timeStamp.mismatch",
        "timeStamp.malformed",
        "timeStamp.outsideValidity",
        "timeStamp.untrusted",
    }
)

# How deep an ingredient chain is followed, and how many ingredients at most: a hostile
# manifest store could be deep or wide, and c2pa has already bounded what it parsed.
_MAX_INGREDIENT_DEPTH = 32
_MAX_INGREDIENTS = 2000

_ACTIONS_LABEL = re.compile(r"c2pa\.actions(?:\.v\d+)?(?:__\d+)?")
_URL = re.compile(r"https?://[^\s'\"<>]+")
_CODE_IN_TEXT = re.compile(r"\b([a-z][A-Za-z]*(?:\.[A-Za-z_]+)+):")


@dataclass(frozen=True)
class IngredientProblem:
    """An ingredient (at any depth of the chain) whose own credentials failed."""

    title: str  # the ingredient's title, or its instance id / assertion label when untitled
    codes: tuple[str, ...]


@dataclass(frozen=True)
class CredentialSummary:
    """What Credence found about the Content Credentials of one file."""

    state: CredentialState
    codes: tuple[str, ...]  # active-manifest failure codes (incl. signingCredential.untrusted)
    ingredient_problems: tuple[IngredientProblem, ...]
    digital_source_types: tuple[str, ...]  # full IPTC URIs: manifest actions first, then XMP
    signer: str | None  # certificate issuer organisation, common name as fallback
    claim_generator: str | None
    manifest_label: str | None
    title: str | None
    summary: str  # one or two short plain-English sentences for a registrar

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict; ``ingredient_problems`` as ``[{"title", "codes"}]``."""
        return {
            "state": self.state,
            "codes": list(self.codes),
            "ingredient_problems": [
                {"title": p.title, "codes": list(p.codes)} for p in self.ingredient_problems
            ],
            "digital_source_types": list(self.digital_source_types),
            "signer": self.signer,
            "claim_generator": self.claim_generator,
            "manifest_label": self.manifest_label,
            "title": self.title,
            "summary": self.summary,
        }


class CredentialReader:
    """Reads credentials with one offline ``c2pa.Context``; reuse it for a batch of files.

    Use as a context manager (or call ``close()``): the Context is a native object. Not for
    sharing across processes; c2pa objects cannot be pickled or inherited across fork.
    """

    def __init__(self, trust_anchors_pem: str | None = None) -> None:
        settings: dict[str, Any] = {
            "verify": {"remote_manifest_fetch": False, "ocsp_fetch": False},
        }
        if trust_anchors_pem:
            # Signers under these anchors read as "Trusted"; without, the best is "Valid".
            settings["trust"] = {"user_anchors": trust_anchors_pem}
        with c2pa.Settings.from_dict(settings) as native_settings:
            self._context = c2pa.Context(settings=native_settings)

    def close(self) -> None:
        """Release the native context. Safe to call twice."""
        self._context.close()

    def __enter__(self) -> CredentialReader:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def read(
        self, path: Path, *, xmp_digital_source_types: tuple[str, ...] = ()
    ) -> CredentialSummary:
        """Read and validate the C2PA manifest store of ``path``.

        ``xmp_digital_source_types`` (from ``probe_file``) are merged into the result. Never
        raises for anything in the file's content; raises ``FileNotFoundError`` /
        ``PermissionError`` (``OSError``) when the file itself cannot be opened, and
        ``RejectedFile`` when it is not a regular file (a pipe or device is never read).
        """
        path = Path(path)
        xmp_dsts = _normalised(xmp_digital_source_types)
        # Never blocks on a pipe or device swapped in for the file; RejectedFile (an unreadable
        # or irregular file) and OSError are the caller's business.
        with open_regular(path) as stream:
            try:
                with c2pa.Reader(_mime_for(path), stream, context=self._context) as reader:
                    store = json.loads(reader.json())
            except c2pa.C2paError.ManifestNotFound:
                return _without_manifest(xmp_dsts, "No Content Credentials in this file.")
            except c2pa.C2paError.NotSupported:
                kind = path.suffix.lstrip(".").upper() or "this kind of"
                return _without_manifest(
                    xmp_dsts, f"Credence cannot read Content Credentials in {kind} files."
                )
            except c2pa.C2paError as exc:
                return _from_error(exc, xmp_dsts)
            except (ValueError, UnicodeDecodeError) as exc:  # JSON from c2pa that won't parse
                return _from_error(exc, xmp_dsts)
        if not isinstance(store, dict):
            return _from_error(ValueError("manifest store is not an object"), xmp_dsts)
        return _from_store(store, xmp_dsts)


def read_credentials(
    path: Path,
    *,
    trust_anchors_pem: str | None = None,
    xmp_digital_source_types: tuple[str, ...] = (),
) -> CredentialSummary:
    """Read one file's credentials offline; see ``CredentialReader.read``.

    Builds a fresh ``c2pa.Context`` per call: for a batch, use one ``CredentialReader``.
    """
    with CredentialReader(trust_anchors_pem) as reader:
        return reader.read(path, xmp_digital_source_types=xmp_digital_source_types)


# ---------------------------------------------------------------------------------------------
# Small helpers for untrusted JSON
# ---------------------------------------------------------------------------------------------


def _mime_for(path: Path) -> str | None:
    """The MIME type from the extension, as c2pa's own path reader does; None = detect."""
    if path.suffix.lower() == ".dng":
        return "image/dng"  # mimetypes guesses wrong
    return mimetypes.guess_type(path.name)[0]


def _obj(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _text(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def _dedupe(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(values))


def _codes(entries: Any) -> Iterator[str]:
    for entry in _list(entries):
        code = _text(_obj(entry).get("code"))
        if code:
            yield code


def _is_failure(code: str) -> bool:
    return code not in _INFORMATIONAL_CODES and not code.endswith(_NOT_FAILURE_SUFFIXES)


def _normalised(values: Iterable[str]) -> tuple[str, ...]:
    out = (normalise_digital_source_type(v) for v in values if isinstance(v, str))
    return _dedupe(v for v in out if v)


# ---------------------------------------------------------------------------------------------
# No manifest / errors
# ---------------------------------------------------------------------------------------------


def _without_manifest(xmp_dsts: tuple[str, ...], sentence: str) -> CredentialSummary:
    return CredentialSummary(
        state="none",
        codes=(),
        ingredient_problems=(),
        digital_source_types=xmp_dsts,
        signer=None,
        claim_generator=None,
        manifest_label=None,
        title=None,
        summary=_join(sentence, _dst_sentence(xmp_dsts, from_xmp=True)),
    )


# c2pa-rs error detail -> (C2PA status code, plain sentence); the first match wins. The codes
# are the C2PA spec's own where one fits; "general.error" is the spec's catch-all.
_ERROR_RULES: tuple[tuple[re.Pattern[str], str, str], ...] = (
    (
        re.compile(r"algorithm", re.I),
        "algorithm.unsupported",
        "The Content Credentials use a missing or unsupported hash algorithm, so Credence "
        "cannot check them",
    ),
    (
        re.compile(r"prerelease", re.I),
        "status.prerelease",
        "The file carries pre-release (pre-C2PA 1.0) Content Credentials, which cannot be checked",
    ),
    (
        re.compile(r"asset could not be parsed|too many", re.I),
        "general.error",
        "Credence could not look for Content Credentials: the file's structure is damaged",
    ),
    (
        re.compile(r"jumbf|cbor|manifest|claim|box|decod", re.I),
        "manifest.malformed",
        "The Content Credentials in this file are damaged and cannot be read",
    ),
)


def _from_error(exc: BaseException, xmp_dsts: tuple[str, ...]) -> CredentialSummary:
    """A manifest that could not be read or checked at all: state "error"."""
    message = " ".join(str(exc).split())  # c2pa messages can span lines
    # c2pa's text is "Kind: detail"; the detail is what a person can use.
    detail = (message.split(": ", 1)[1] if ": " in message else message) or type(exc).__name__
    if len(detail) > 200:
        detail = detail[:197] + "..."
    # "manifest failed validation with: failures: assertion.action.malformed: ..." names codes.
    named_codes = _CODE_IN_TEXT.findall(message)
    if isinstance(exc, c2pa.C2paError.RemoteManifest) or re.match(
        r"remote\b|.*must fetch remote manifest", message, re.I | re.S
    ):
        url = _URL.search(message)
        where = f" at {url.group(0)}" if url else ""
        code = "manifest.inaccessible"
        sentence = (
            f"The Content Credentials are stored online{where}; Credence works offline and "
            "did not fetch them."
        )
    else:
        code, sentence = (
            "general.error",
            f"The Content Credentials could not be checked ({detail}).",
        )
        for pattern, rule_code, rule_sentence in _ERROR_RULES:
            if pattern.search(detail):
                code, sentence = rule_code, f"{rule_sentence} ({detail})."
                break
    return CredentialSummary(
        state="error",
        codes=_dedupe((code, *named_codes)) if code != "manifest.inaccessible" else (code,),
        ingredient_problems=(),
        digital_source_types=xmp_dsts,
        signer=None,
        claim_generator=None,
        manifest_label=None,
        title=None,
        summary=_join(sentence, _dst_sentence(xmp_dsts, from_xmp=True)),
    )


# ---------------------------------------------------------------------------------------------
# A manifest store
# ---------------------------------------------------------------------------------------------


def _from_store(store: dict[str, Any], xmp_dsts: tuple[str, ...]) -> CredentialSummary:
    manifests = _obj(store.get("manifests"))
    label = _text(store.get("active_manifest"))
    # The active manifest may be missing from the JSON when its claim could not be decoded
    # (malformed_cbor.jpg): keep going with what validation says.
    active = _obj(manifests.get(label)) if label else {}

    results = _obj(store.get("validation_results"))
    if results:
        codes = _dedupe(_codes(_obj(results.get("activeManifest")).get("failure")))
    else:
        codes = _dedupe(c for c in _codes(store.get("validation_status")) if _is_failure(c))

    raw_state = (_text(store.get("validation_state")) or "").lower()
    state: CredentialState
    if raw_state in ("trusted", "valid", "invalid"):
        state = cast(CredentialState, raw_state)
    else:
        # No state from c2pa (older output): judge by the failure codes themselves.
        state = "invalid" if any(c not in _TRUST_LIST_CODES for c in codes) else "valid"

    problems = _ingredient_problems(manifests, label, results)
    dsts = _dedupe((*_manifest_digital_source_types(active), *xmp_dsts))
    signature = _obj(active.get("signature_info"))
    signer = _text(signature.get("issuer")) or _text(signature.get("common_name"))
    generator = _claim_generator(active)
    shown = _display_generator(active, generator)
    disclosure, when = _credence_disclosure(active)
    when = when or _text(signature.get("time"))
    summary = _summary(state, codes, problems, signer, shown, dsts, disclosure, when)
    return CredentialSummary(
        state=state,
        codes=codes,
        ingredient_problems=problems,
        digital_source_types=dsts,
        signer=signer,
        claim_generator=generator,
        manifest_label=label,
        title=_text(active.get("title")),
        summary=summary,
    )


def _credence_disclosure(manifest: dict[str, Any]) -> tuple[str | None, str | None]:
    """The disclosure sentences and export date a Credence manifest carries, if any."""
    for assertion in _list(manifest.get("assertions")):
        assertion = _obj(assertion)
        if _text(assertion.get("label")) != "org.credence.disclosure":
            continue
        data = _obj(assertion.get("data"))
        sentences = [
            _text(_obj(st).get("sentence"))
            for st in _list(data.get("statements"))
            if _text(_obj(st).get("category")) != "none"
        ]
        text = " ".join(x for x in sentences if x) or None
        return text, _text(data.get("exported_at"))
    return None, None


def _claim_generator(manifest: dict[str, Any]) -> str | None:
    """The claim_generator string; C2PA 2 claims only have claim_generator_info."""
    generator = _text(manifest.get("claim_generator"))
    if generator:
        return generator
    for info in _list(manifest.get("claim_generator_info"))[:1]:
        name = _text(_obj(info).get("name"))
        version = _text(_obj(info).get("version"))
        if name:
            return f"{name} {version}" if version else name
    return None


def _manifest_digital_source_types(manifest: dict[str, Any]) -> tuple[str, ...]:
    """digitalSourceType of every action (and action template) in the manifest's actions
    assertions, plus vendor parameters whose key ends in ``digitalSourceType`` (Adobe Firefly
    writes ``com.adobe.digitalSourceType`` for third-party models)."""
    found: list[str] = []
    for assertion in _list(manifest.get("assertions")):
        assertion = _obj(assertion)
        if not _ACTIONS_LABEL.fullmatch(str(assertion.get("label", ""))):
            continue
        data = _obj(assertion.get("data"))
        for action in (*_list(data.get("actions")), *_list(data.get("templates"))):
            action = _obj(action)
            if isinstance(action.get("digitalSourceType"), str):
                found.append(action["digitalSourceType"])
            for key, value in _obj(action.get("parameters")).items():
                if isinstance(value, str) and str(key).lower().endswith("digitalsourcetype"):
                    found.append(value)
    return _normalised(found)


def _ingredient_problems(
    manifests: dict[str, Any], active_label: str | None, results: dict[str, Any]
) -> tuple[IngredientProblem, ...]:
    """Failures recorded for ingredients anywhere in the chain under the active manifest.

    Two sources, merged per ingredient: the ``validation_status`` / ``validation_results`` an
    ingredient assertion carries (what the signer's tool found when it added the ingredient:
    CIE-sig-CA.jpg records claimSignature.mismatch there, CACAE-uri-CA.jpg one level deeper)
    and today's ``ingredientDeltas`` from c2pa (mapped back from the assertion URI).
    Trust-list codes alone are not a problem (see ``_TRUST_LIST_CODES``).
    """
    found: dict[tuple[str, str], tuple[str, list[str]]] = {}

    def add(key: tuple[str, str], title: str, codes: Iterable[str]) -> None:
        wanted = [c for c in codes if c not in _TRUST_LIST_CODES and _is_failure(c)]
        if not wanted:
            return
        entry = found.setdefault(key, (title, []))
        entry[1].extend(c for c in wanted if c not in entry[1])

    # Titles by (manifest label, ingredient assertion label), walked breadth-first from the
    # active manifest so direct ingredients come first; a visited set stops cycles.
    titles: dict[tuple[str, str], str] = {}
    queue = [(active_label, 0)] if active_label else []
    seen: set[str] = set()
    count = 0
    while queue and count < _MAX_INGREDIENTS:
        manifest_label, depth = queue.pop(0)
        if manifest_label in seen or depth > _MAX_INGREDIENT_DEPTH:
            continue
        seen.add(manifest_label)
        for index, ingredient in enumerate(
            _list(_obj(manifests.get(manifest_label)).get("ingredients"))
        ):
            count += 1
            ingredient = _obj(ingredient)
            assertion = _text(ingredient.get("label")) or f"c2pa.ingredient#{index}"
            title = (
                _text(ingredient.get("title")) or _text(ingredient.get("instance_id")) or assertion
            )
            key = (manifest_label, assertion)
            titles[key] = title
            add(key, title, _codes(ingredient.get("validation_status")))
            own = _obj(ingredient.get("validation_results"))
            add(key, title, _codes(_obj(own.get("activeManifest")).get("failure")))
            for delta in _list(own.get("ingredientDeltas")):
                add(key, title, _codes(_obj(_obj(delta).get("validationDeltas")).get("failure")))
            child = _text(ingredient.get("active_manifest"))
            if child:
                queue.append((child, depth + 1))

    for delta in _list(results.get("ingredientDeltas")):
        delta = _obj(delta)
        key = _parse_assertion_uri(_text(delta.get("ingredientAssertionURI")))
        if key is None:
            continue
        title = titles.get(key, key[1])
        add(key, title, _codes(_obj(delta.get("validationDeltas")).get("failure")))

    # Keep the walk order (direct ingredients first), then any delta-only entries.
    order = {key: i for i, key in enumerate(titles)}
    ordered = sorted(found.items(), key=lambda item: order.get(item[0], len(order)))
    return tuple(IngredientProblem(title, tuple(codes)) for _, (title, codes) in ordered)


_ASSERTION_URI = re.compile(r"self#jumbf=/c2pa/([^/]+)/c2pa\.assertions/([^/?#]+)")


def _parse_assertion_uri(uri: str | None) -> tuple[str, str] | None:
    """``self#jumbf=/c2pa/<manifest>/c2pa.assertions/<label>`` -> (manifest, label)."""
    match = _ASSERTION_URI.match(uri or "")
    return (match.group(1), match.group(2)) if match else None


# ---------------------------------------------------------------------------------------------
# Wording
# ---------------------------------------------------------------------------------------------

_TAMPER_CODES = (
    "assertion.dataHash.mismatch",
    "assertion.boxesHash.mismatch",
    "assertion.bmffHash.mismatch",
    "assertion.collectionHash.mismatch",
)

# (codes, sentence) for the main reason a manifest is invalid, most serious first.
_INVALID_REASONS: tuple[tuple[tuple[str, ...], str], ...] = (
    (_TAMPER_CODES, "Tampered: the image changed after it was signed"),
    (("claimSignature.mismatch",), "Tampered: the signature does not match the credentials"),
    (
        ("assertion.hashedURI.mismatch", "assertion.missing", "assertion.required.missing"),
        "Invalid: part of the credentials was changed or is missing",
    ),
    (("ingredient.manifest.missing",), "Invalid: an ingredient's credentials are missing"),
    (("signingCredential.revoked",), "Invalid: the signing certificate was revoked"),
    (("signingCredential.expired",), "Invalid: the signing certificate had expired"),
    (("cawg.",), "Invalid: the identity claim attached to the credentials did not verify"),
)

_INGREDIENT_WORDS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("claimSignature.mismatch", "claimSignature.missing"), "has a broken signature"),
    (
        (*_TAMPER_CODES, "assertion.hashedURI.mismatch", "ingredient.hashedURI.mismatch"),
        "was altered after it was signed",
    ),
    (("ingredient.manifest.missing",), "has missing credentials"),
    (("signingCredential.expired",), "was signed with an expired certificate"),
    (("signingCredential.revoked",), "was signed with a revoked certificate"),
)


def _join(*sentences: str) -> str:
    return " ".join(s for s in sentences if s)


def _dst_label(uri: str) -> str:
    term = uri.removeprefix(IPTC_DIGITAL_SOURCE_TYPE).rstrip("/")
    # camelCase IPTC term -> words: "compositeWithTrainedAlgorithmicMedia" -> "composite with..."
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", term).lower()


def _dst_sentence(dsts: tuple[str, ...], *, from_xmp: bool = False) -> str:
    if not dsts:
        return ""
    labels = [_dst_label(d) for d in dsts]
    if from_xmp:
        return f"Its XMP metadata gives the source as {', '.join(labels)}."
    ai = [label for label in labels if "trained algorithmic" in label]
    other = [label for label in labels if "trained algorithmic" not in label]
    parts = []
    if ai:
        parts.append(f"AI: {', '.join(ai)}.")
    if other:
        parts.append(f"Source: {', '.join(other)}.")
    return " ".join(parts)


def _ingredient_sentence(problems: tuple[IngredientProblem, ...]) -> str:
    if not problems:
        return ""
    if len(problems) > 1:
        names = ", ".join(p.title for p in problems[:3]) + (", ..." if len(problems) > 3 else "")
        return f"{len(problems)} ingredients ({names}) have credential problems."
    problem = problems[0]
    for codes, words in _INGREDIENT_WORDS:
        if any(c in codes for c in problem.codes):
            return f"An ingredient ({problem.title}) {words}."
    return f"An ingredient ({problem.title}) has credentials that did not verify."


def _summary(
    state: CredentialState,
    codes: tuple[str, ...],
    problems: tuple[IngredientProblem, ...],
    signer: str | None,
    generator: str | None,  # display form
    dsts: tuple[str, ...],
    disclosure: str | None = None,  # the signer's own disclosure wording (Credence exports)
    when: str | None = None,  # ISO date the manifest says it was signed
) -> str:
    who = f"Signed by {signer or 'an unnamed signer'}"
    if when:
        who += f" on {when[:10]}"
    if generator:
        who += f" with {generator}"
    serious = [c for c in codes if c not in _TRUST_LIST_CODES]
    ingredients = _ingredient_sentence(problems)
    ai = disclosure or _dst_sentence(dsts)

    if state == "invalid":
        reason, first_codes = "Invalid: the Content Credentials did not verify", []
        for reason_codes, sentence in _INVALID_REASONS:
            first_codes = [c for c in serious if c.startswith(reason_codes)]
            if first_codes:
                reason = sentence
                break
        # The codes behind the reason first, then the rest.
        listed = ", ".join(_dedupe((*first_codes, *(serious or codes))))
        return _join(f"{reason} ({listed})." if listed else f"{reason}.", ingredients, ai)

    if state == "trusted":
        first = f"{who}; valid and trusted."
    elif "signingCredential.untrusted" in codes:
        first = f"{who}; valid, but the signer is not in your trust list."
    else:
        first = f"{who}; valid."
    # c2pa keeps "Valid" for some failures outside the core claim (CAWG identity assertions).
    if serious and all(c.startswith("cawg.") for c in serious):
        extra = f"The attached identity claim did not verify ({', '.join(serious)})."
    elif serious:
        extra = f"Some checks failed ({', '.join(serious)})."
    else:
        extra = ""
    return _join(first, extra, ingredients, ai)


def _display_generator(manifest: dict[str, Any], generator: str | None) -> str | None:
    """A readable product name: claim_generator_info's first name and version when present
    ("Adobe Photoshop 26.9.0"), else the first product of a C2PA 1.x claim_generator string
    such as "Adobe_Firefly adobe_c2pa/0.12.4 c2pa-rs/0.32.7" -> "Adobe_Firefly"."""
    for info in _list(manifest.get("claim_generator_info"))[:1]:
        name = _text(_obj(info).get("name"))
        version = _text(_obj(info).get("version"))
        if name:
            text = f"{name} {version}" if version else name
            return text if len(text) <= 60 else text[:57] + "..."
    if not generator:
        return None
    text = generator.split(" (", 1)[0].strip()
    tokens = text.split()
    # product/version followed by library/version tokens: keep the product.
    if len(tokens) > 1 and all("/" in t for t in tokens[1:]):
        text = tokens[0].replace("/", " ")
    return text if len(text) <= 60 else text[:57] + "..."
