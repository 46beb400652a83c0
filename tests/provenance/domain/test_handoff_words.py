"""The pure rules of hand-offs: URL-safe slugs, base URLs, rights URIs and file names."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from provenance import base_url_problem, rights_uri, url_slug
from provenance.domain.handoff import clean_base_url, safe_file_name, single_line


@pytest.mark.parametrize(
    ("accession", "item_id", "slug"),
    [
        ("1976.37", 12, "1976.37-12"),
        ("A 12/3", 4, "A-12-3-4"),
        ("Inv. Nr. 5", 7, "Inv.-Nr.-5-7"),
        ("Müller/ü", 3, "Muller-u-3"),
        ("Инв. 5", 9, "5-9"),
        ("مخطوطة", 2, "item-2"),
        ("..", 8, "item-8"),
        (".hidden", 8, "hidden-8"),
        (None, 1, "item-1"),
        ("", 1, "item-1"),
        ("2", 3, "2-3"),
    ],
)
def test_slugs(accession, item_id, slug):
    assert url_slug(accession, item_id) == slug


@given(st.lists(st.tuples(st.text(max_size=80), st.integers(1, 10**12)), max_size=30))
def test_slugs_are_url_safe_and_unique_per_item(pairs):
    ids = {}
    for accession, item_id in pairs:
        slug = url_slug(accession, item_id)
        assert quote(slug) == slug and "/" not in slug and not slug.startswith(".")
        assert len(slug) <= 60 + 1 + 13
        ids.setdefault(slug, item_id)
        assert ids[slug] == item_id  # two items never share a slug


@pytest.mark.parametrize(
    ("rights", "uri"),
    [
        ("CC BY 4.0", "http://creativecommons.org/licenses/by/4.0/"),
        ("cc by-nc-sa 4.0", "http://creativecommons.org/licenses/by-nc-sa/4.0/"),
        ("CC0", "http://creativecommons.org/publicdomain/zero/1.0/"),
        ("CC0 1.0", "http://creativecommons.org/publicdomain/zero/1.0/"),
        (
            "https://creativecommons.org/licenses/by/4.0/deed.de",
            "http://creativecommons.org/licenses/by/4.0/",
        ),
        (
            "https://creativecommons.org/publicdomain/mark/1.0/",
            "http://creativecommons.org/publicdomain/mark/1.0/",
        ),
        (
            "https://rightsstatements.org/page/InC/1.0/?language=en",
            "http://rightsstatements.org/vocab/InC/1.0/",
        ),
        (
            "http://rightsstatements.org/vocab/noc-us/1.0/",
            "http://rightsstatements.org/vocab/NoC-US/1.0/",
        ),
        ("http://rightsstatements.org/vocab/MadeUp/1.0/", None),
        ("Public domain", None),
        ("© Estate of the artist. All rights reserved.", None),
        ("", None),
        (None, None),
    ],
)
def test_rights_uris(rights, uri):
    assert rights_uri(rights) == uri


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("ftp://m.example/iiif", "https://"),
        ("m.example/iiif", "https://"),
        ("https://", "no host"),
        ("   ", "empty"),
        ("https://m.example/a b", "spaces"),
        ("https://m.example/a\nb", "spaces or control"),
        ("https://m.example/x?y=1", "query"),
        ("https://m.example/x#top", "fragment"),
        ("https://m.example:port/", "not a valid"),
        ("https://user:secret@m.example/", "user name or password"),
        ("https://a..b/", "host name that is not valid"),
    ],
)
def test_bad_base_urls(url, words):
    assert words in base_url_problem(url)


def test_good_base_urls_become_id_prefixes():
    assert base_url_problem("https://museum.example/iiif/") is None
    assert clean_base_url("https://museum.example/iiif/") == "https://museum.example/iiif"
    assert clean_base_url("HTTP://localhost:8000") == "http://localhost:8000"
    assert clean_base_url("https://m.example/sammlung/ä") == "https://m.example/sammlung/%C3%A4"
    assert clean_base_url("https://m.example/a%20b/") == "https://m.example/a%20b"
    assert clean_base_url("https://müseum.example/x") == "https://xn--mseum-kva.example/x"


def test_safe_file_names():
    assert safe_file_name("P1.jpg") == "P1.jpg"
    assert safe_file_name("a/b\\c:d.jpg") == "a_b_c_d.jpg"
    assert safe_file_name("line\nbreak%20.jpg") == "line_break_20.jpg"
    assert safe_file_name("caf\udce9.jpg") == "caf_.jpg"  # a byte that is not UTF-8
    assert safe_file_name(".hidden") == "hidden"
    assert safe_file_name("...") == "file"
    long = safe_file_name("ж" * 300 + ".jpeg")
    assert long.endswith(".jpeg") and len(long.encode()) <= 120
    assert safe_file_name("Портрет.jpg") == "Портрет.jpg"


def test_single_line():
    assert single_line("Museum\nof\t\tArt\u200b ") == "Museum of Art"
    assert single_line(None) == ""
