from __future__ import annotations

import hashlib
import hmac
import json
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ascc_plugin.identity import (
    ALPHABET,
    CHECK_ALPHABET,
    InvalidVoucherId,
    new_holder_secret,
    parse_id,
    voucher_id,
)

KEY = b"k" * 32
text = st.text(min_size=1, max_size=20)
transaction = st.tuples(text, text, text, text, st.integers(0, 10_000), text)
ID_SHAPE = re.compile(r"^([0-9A-HJKMNP-TV-Z]{4}-){4}[0-9A-HJKMNP-TV-Z*~$=U]$")


@given(transaction)
def test_ids_are_deterministic_and_well_formed(t: tuple) -> None:
    first = voucher_id(KEY, *t)
    assert first == voucher_id(KEY, *t)
    assert ID_SHAPE.match(first)
    assert parse_id(first) == first


@given(transaction, transaction)
def test_different_transactions_get_different_ids(a: tuple, b: tuple) -> None:
    if a != b:
        assert voucher_id(KEY, *a) != voucher_id(KEY, *b)


def reference_id(key: bytes, *t: object) -> str:
    """The definition (DESIGN §5), written the slow and obvious way: every id ever issued
    depends on these bytes, so the fast path must give exactly this."""
    material = json.dumps(list(t), ensure_ascii=False).encode("utf-8")
    value = int.from_bytes(hmac.new(key, material, hashlib.sha256).digest()[:10], "big")
    chars = "".join(ALPHABET[(value >> (5 * i)) & 31] for i in reversed(range(16)))
    return "-".join([chars[0:4], chars[4:8], chars[8:12], chars[12:16], CHECK_ALPHABET[value % 37]])


@given(transaction, st.binary(min_size=1, max_size=64))
def test_ids_are_the_keyed_hash_of_the_json_tuple(t: tuple, key: bytes) -> None:
    assert voucher_id(key, *t) == reference_id(key, *t)


def test_a_known_id_never_changes() -> None:
    t = ("shopify", "demo.myshopify.com", "820982911946154508", "466157049", 0, "repair-12m")
    assert (
        voucher_id(KEY, *t) == reference_id(KEY, *t) == "6G6S-1BEV-BPMC-S4CK-6"
    )  # issued by earlier releases


def test_ids_depend_on_the_key() -> None:
    t = ("shopify", "s.myshopify.com", "1", "2", 0, "repair")
    assert voucher_id(KEY, *t) != voucher_id(b"other", *t)


def test_tuple_fields_cannot_run_into_each_other() -> None:
    assert voucher_id(KEY, "a", "bc", "1", "1", 0, "p") != voucher_id(
        KEY, "ab", "c", "1", "1", 0, "p"
    )


def _chars(voucher: str) -> list[str]:
    return list(voucher.replace("-", ""))


@given(transaction, st.data())
def test_every_single_character_typo_is_caught(t: tuple, data: st.DataObject) -> None:
    chars = _chars(voucher_id(KEY, *t))
    position = data.draw(st.integers(0, len(chars) - 1))
    alphabet = CHECK_ALPHABET if position == len(chars) - 1 else ALPHABET
    typo = data.draw(st.sampled_from([c for c in alphabet if c != chars[position]]))
    chars[position] = typo
    with pytest.raises(InvalidVoucherId):
        parse_id("".join(chars))


@given(transaction, st.data())
def test_every_adjacent_transposition_is_caught(t: tuple, data: st.DataObject) -> None:
    chars = _chars(voucher_id(KEY, *t))
    position = data.draw(st.integers(0, len(chars) - 2))
    if chars[position] == chars[position + 1]:
        return  # swapping equal characters changes nothing
    chars[position], chars[position + 1] = chars[position + 1], chars[position]
    with pytest.raises(InvalidVoucherId):
        parse_id("".join(chars))


def test_exhaustive_typos_and_swaps_on_one_id() -> None:
    chars = _chars(voucher_id(KEY, "shopify", "s", "1", "1", 0, "p"))
    variants = set()
    for i, original in enumerate(chars):
        for c in CHECK_ALPHABET if i == len(chars) - 1 else ALPHABET:
            if c != original:
                variants.add("".join([*chars[:i], c, *chars[i + 1 :]]))
    for i in range(len(chars) - 1):
        swapped = chars.copy()
        swapped[i], swapped[i + 1] = swapped[i + 1], swapped[i]
        if swapped != chars:
            variants.add("".join(swapped))
    assert len(variants) > 500
    for variant in variants:
        with pytest.raises(InvalidVoucherId):
            parse_id(variant)


def test_typed_ids_are_normalised() -> None:
    canonical = voucher_id(KEY, "shopify", "s", "1", "1", 0, "p")
    typed = canonical.lower().replace("0", "o").replace("1", "l").replace("-", " ")
    assert parse_id(typed) == canonical


@pytest.mark.parametrize("bad", ["", "ABC", "UUUU-UUUU-UUUU-UUUU-0", "!!!!-!!!!-!!!!-!!!!-!"])
def test_malformed_ids_are_refused(bad: str) -> None:
    with pytest.raises(InvalidVoucherId):
        parse_id(bad)


def test_holder_secrets_are_long_random_and_prefixed() -> None:
    secrets_ = {new_holder_secret() for _ in range(1000)}
    assert len(secrets_) == 1000
    for secret in secrets_:
        assert secret.startswith("hld_")
        assert len(secret) - 4 >= 26  # 160 bits in base64url = 27 characters
