"""read_credentials against the C2PA reference fixtures and files signed here with test certs."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from provenance.media.credentials import (
    CredentialReader,
    CredentialSummary,
    IngredientProblem,
    read_credentials,
)
from provenance.media.probe import IPTC_DIGITAL_SOURCE_TYPE, probe_file
from tests.provenance.c2pa_helpers import (
    SigningIdentity,
    corrupt_jpeg_scan_data,
    make_jpeg,
    make_signing_identity,
    sign_file,
)

DATA = Path(__file__).resolve().parents[3].parent / "shared" / "data"
FIXTURES = DATA / "c2pa-fixtures"
UNTRUSTED = "signingCredential.untrusted"


def dst(term: str) -> str:
    return IPTC_DIGITAL_SOURCE_TYPE + term


def _fixture(relative: str) -> Path:
    path = FIXTURES / relative
    if not path.is_file():
        pytest.skip(f"test data missing: {path}")
    return path


@pytest.fixture(scope="module")
def reader() -> CredentialReader:
    with CredentialReader() as shared:
        yield shared


# ---------------------------------------------------------------------------------------------
# Fixtures with known outcomes (FIXTURES.md, offline, no trust anchors)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Expect:
    state: str
    codes: tuple[str, ...] = ()  # must all be present
    problems: tuple[tuple[str, str], ...] = ()  # (ingredient title, code) pairs, exactly these
    dsts: tuple[str, ...] = ()  # must all be present
    summary: tuple[str, ...] = ()  # substrings of the summary


KNOWN = {
    "C.jpg": Expect("valid", (UNTRUSTED,), dsts=(dst("algorithmicMedia"),)),
    "CA.jpg": Expect("valid", (UNTRUSTED,), summary=("not in your trust list",)),
    "CACA.jpg": Expect("valid", (UNTRUSTED,)),
    "CIE-sig-CA.jpg": Expect(
        "valid",
        (UNTRUSTED,),
        problems=(("E-sig-CA.jpg", "claimSignature.mismatch"),),
        summary=("E-sig-CA.jpg", "broken signature"),
    ),
    "CACAE-uri-CA.jpg": Expect(
        "valid",
        (UNTRUSTED,),
        problems=(("E-uri-CA.jpg", "assertion.hashedURI.mismatch"),),
        summary=("E-uri-CA.jpg",),
    ),
    "XCA.jpg": Expect(
        "invalid",
        ("assertion.dataHash.mismatch",),
        summary=("Tampered", "assertion.dataHash.mismatch"),
    ),
    "E-sig-CA.jpg": Expect("invalid", ("claimSignature.mismatch",)),
    "adobe-20220124-E-clm-CAICAI.jpg": Expect(
        "invalid",
        ("assertion.hashedURI.mismatch", "ingredient.manifest.missing"),
        problems=(("CAI.jpg", "ingredient.manifest.missing"),),
    ),
    "no_manifest.jpg": Expect("none", summary=("No Content Credentials",)),
    "sample1.heic": Expect("none"),
    "pdf/basic.pdf": Expect("none"),
    "Purple Square.psd": Expect("none", summary=("cannot read Content Credentials in PSD",)),
    "cloud.jpg": Expect(
        "error",
        ("manifest.inaccessible",),
        summary=("stored online at https://cai-manifests.adobe.com/", "offline"),
    ),
    "libpng-test_with_url.png": Expect("error", ("manifest.inaccessible",)),
    "no_alg.jpg": Expect("error", ("algorithm.unsupported",), summary=("algorithm",)),
    "prerelease.jpg": Expect("error", ("status.prerelease",), summary=("pre-release",)),
    "sample3.svg": Expect("error", ("manifest.malformed",), summary=("damaged",)),
    "tiff_poc.tiff": Expect("error", ("general.error",), summary=("too many subfiles",)),
    "unsupported_type.txt": Expect("none"),
    "historical/firefly.png": Expect(
        "valid",
        (UNTRUSTED,),
        dsts=(dst("trainedAlgorithmicMedia"),),
        summary=(
            "Signed by Adobe Inc. on 2025-12-02 with Adobe_Firefly; valid, but the signer is not "
            "in your trust list. AI: trained algorithmic media.",
        ),
    ),
    "historical/cai.jpg": Expect("valid", dsts=(dst("trainedAlgorithmicMedia"),)),
    "ocsp.jpg": Expect(
        "valid",
        dsts=(dst("compositeWithTrainedAlgorithmicMedia"),),
        summary=("Adobe Photoshop 26.9.0", "AI: composite with trained algorithmic media"),
    ),
    "historical/stripped.jpg": Expect(
        "invalid",
        ("assertion.dataHash.mismatch", "signingCredential.expired"),
        dsts=(dst("computationalCapture"),),
        summary=("Tampered",),
    ),
    "historical/IMG_0003_aca.png": Expect(
        "invalid", ("signingCredential.expired",), summary=("expired",)
    ),
    "cawg_identity/validation_method/malformed_cbor.jpg": Expect(
        "invalid", ("assertion.required.missing",)
    ),
    "cawg_identity/validation_method/pad1_invalid.jpg": Expect(
        "valid", ("cawg.identity.pad.invalid",), summary=("identity claim",)
    ),
}


@pytest.mark.parametrize(("relative", "expect"), KNOWN.items(), ids=list(KNOWN))
def test_known_fixture(relative: str, expect: Expect, reader: CredentialReader) -> None:
    summary = reader.read(_fixture(relative))
    assert summary.state == expect.state, summary.summary
    assert set(expect.codes) <= set(summary.codes), summary.codes
    got_problems = {(p.title, c) for p in summary.ingredient_problems for c in p.codes}
    assert got_problems == set(expect.problems)
    assert set(expect.dsts) <= set(summary.digital_source_types)
    for text in expect.summary:
        assert text in summary.summary
    assert summary.summary.endswith(".")


def test_valid_chain_has_no_ingredient_problems(reader: CredentialReader) -> None:
    summary = reader.read(_fixture("CA.jpg"))
    assert summary.ingredient_problems == ()
    assert summary.codes == (UNTRUSTED,)
    assert summary.signer == "C2PA Test Signing Cert"
    assert summary.title == "CA.jpg"
    assert summary.manifest_label and summary.manifest_label.startswith("contentauth:urn:uuid:")
    assert summary.claim_generator == "make_test_images/0.33.1 c2pa-rs/0.33.1"


def test_untrusted_ingredient_alone_is_not_a_problem(reader: CredentialReader) -> None:
    # c2pa reports signingCredential.untrusted for these ingredients, and nothing else.
    for relative in ("cli_verify.jpeg", "ocsp_with_assertion.jpg", "historical/firefly.png"):
        assert reader.read(_fixture(relative)).ingredient_problems == ()


def test_ingredient_problem_kept_even_when_top_level_valid(reader: CredentialReader) -> None:
    summary = reader.read(_fixture("CIE-sig-CA.jpg"))
    assert summary.state == "valid"
    assert summary.ingredient_problems == (
        IngredientProblem("E-sig-CA.jpg", ("claimSignature.mismatch",)),
    )


def test_codes_are_deduplicated_and_ordered(reader: CredentialReader) -> None:
    summary = reader.read(_fixture("historical/stripped.jpg"))
    assert len(summary.codes) == len(set(summary.codes))
    assert summary.codes[0] == UNTRUSTED  # c2pa's order is kept


def _every_fixture_file() -> list[Path]:
    if not FIXTURES.is_dir():
        return []
    return sorted(p for p in FIXTURES.rglob("*") if p.is_file())


@pytest.mark.parametrize("path", _every_fixture_file(), ids=lambda p: str(p.relative_to(FIXTURES)))
def test_every_fixture_gives_a_summary(path: Path, reader: CredentialReader) -> None:
    summary = reader.read(path)
    assert isinstance(summary, CredentialSummary)
    assert summary.state in ("none", "valid", "trusted", "invalid", "error")
    assert summary.summary.strip()
    assert len(summary.codes) == len(set(summary.codes))
    json.dumps(summary.to_dict())  # JSON-ready


def test_xmp_digital_source_types_are_merged(reader: CredentialReader) -> None:
    # firefly.png: the manifest's vendor parameter and the XMP both say trainedAlgorithmicMedia.
    path = _fixture("historical/firefly.png")
    xmp = probe_file(path).xmp_digital_source_types
    summary = reader.read(path, xmp_digital_source_types=xmp)
    assert summary.digital_source_types == (dst("trainedAlgorithmicMedia"),)

    none = reader.read(
        _fixture("no_manifest.jpg"), xmp_digital_source_types=("trainedAlgorithmicMedia",)
    )
    assert none.state == "none"
    assert none.digital_source_types == (dst("trainedAlgorithmicMedia"),)
    assert "XMP" in none.summary


def test_to_dict_shape(reader: CredentialReader) -> None:
    data = reader.read(_fixture("CIE-sig-CA.jpg")).to_dict()
    assert set(data) == {
        "state",
        "codes",
        "ingredient_problems",
        "digital_source_types",
        "signer",
        "claim_generator",
        "manifest_label",
        "title",
        "summary",
    }
    assert data["ingredient_problems"] == [
        {"title": "E-sig-CA.jpg", "codes": ["claimSignature.mismatch"]}
    ]


def test_missing_file_raises_file_not_found(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        read_credentials(tmp_path / "nowhere.jpg")


def test_reader_close_is_idempotent() -> None:
    reader = CredentialReader()
    reader.close()
    reader.close()


# ---------------------------------------------------------------------------------------------
# Files signed here: valid -> trusted (with the CA as anchor) -> invalid (tampered)
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def identity() -> SigningIdentity:
    return make_signing_identity("Credence Test Museum")


@pytest.fixture
def signed(tmp_path: Path, identity: SigningIdentity) -> Path:
    source = make_jpeg(tmp_path / "source.jpg")
    dest = tmp_path / "signed.jpg"
    sign_file(source, dest, identity, title="Accession 1987.12.3")  # digitalCapture
    return dest


def test_signed_file_reads_valid_without_anchors(signed: Path) -> None:
    summary = read_credentials(signed)
    assert summary.state == "valid"
    assert summary.codes == (UNTRUSTED,)
    assert summary.signer == "Credence Test Museum"
    assert summary.title == "Accession 1987.12.3"
    assert summary.claim_generator == "Credence tests 0.1"
    assert summary.digital_source_types == (dst("digitalCapture"),)
    assert "not in your trust list" in summary.summary


def test_signed_file_reads_trusted_with_its_ca(signed: Path, identity: SigningIdentity) -> None:
    summary = read_credentials(signed, trust_anchors_pem=identity.ca_cert_pem)
    assert summary.state == "trusted"
    assert summary.codes == ()
    assert summary.summary == (
        "Signed by Credence Test Museum with Credence tests 0.1; valid and trusted. "
        "Source: digital capture."
    )


def test_another_institutions_ca_does_not_make_it_trusted(signed: Path) -> None:
    other = make_signing_identity("Some Other Museum")
    assert read_credentials(signed, trust_anchors_pem=other.ca_cert_pem).state == "valid"


def test_flipped_pixel_byte_reads_invalid(signed: Path, identity: SigningIdentity) -> None:
    corrupt_jpeg_scan_data(signed)
    for anchors in (None, identity.ca_cert_pem):
        summary = read_credentials(signed, trust_anchors_pem=anchors)
        assert summary.state == "invalid"
        assert "assertion.dataHash.mismatch" in summary.codes
        assert summary.summary.startswith("Tampered: the image changed after it was signed")


def test_vendor_parameter_short_form_is_found_and_normalised(
    tmp_path: Path, identity: SigningIdentity
) -> None:
    # Like Firefly's com.adobe.digitalSourceType, but written as a bare IPTC term.
    source = make_jpeg(tmp_path / "source.jpg")
    dest = tmp_path / "ai.jpg"
    sign_file(
        source,
        dest,
        identity,
        digital_source_type="trainedAlgorithmicMedia",
        parameters={"org.example.digitalSourceType": "compositeWithTrainedAlgorithmicMedia"},
    )
    summary = read_credentials(dest)
    assert summary.digital_source_types == (
        dst("trainedAlgorithmicMedia"),
        dst("compositeWithTrainedAlgorithmicMedia"),
    )
    assert summary.summary.endswith(
        "AI: trained algorithmic media, composite with trained algorithmic media."
    )


def test_one_reader_for_a_batch(tmp_path: Path, identity: SigningIdentity, signed: Path) -> None:
    copy = tmp_path / "copy.jpg"
    shutil.copy(signed, copy)
    with CredentialReader(identity.ca_cert_pem) as batch:
        states = [batch.read(p).state for p in (signed, copy, _fixture("C.jpg"))]
    assert states == ["trusted", "trusted", "valid"]
