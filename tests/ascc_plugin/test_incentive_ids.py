"""Incentive ids: the voucher id scheme in a namespace of its own (hypothesis), and incentive
tokens told apart from voucher tokens by their ``typ``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ascc_plugin.identity import (
    INCENTIVE,
    InvalidVoucherId,
    format_id,
    incentive_id,
    parse_id,
    voucher_id,
)
from ascc_plugin.keys import KeyRing
from ascc_plugin.tokens import INCENTIVE_TYP, Signer, TokenError, Verifier
from ascc_plugin.vouchers import Voucher

KEY = b"k" * 32
bits = st.integers(0, 2**80 - 1)


@given(bits)
def test_the_same_bits_never_spell_the_same_id_in_both_namespaces(value: int) -> None:
    service, incentive = format_id(value), format_id(value, INCENTIVE)
    assert service != incentive and service[:-1] == incentive[:-1]
    assert parse_id(incentive, INCENTIVE) == incentive
    with pytest.raises(InvalidVoucherId):
        parse_id(incentive)  # an incentive id is never a valid service voucher id
    with pytest.raises(InvalidVoucherId):
        parse_id(service, INCENTIVE)


@given(bits, st.integers(0, 15), st.sampled_from("0123456789ABCDEFGHJKMNPQRSTVWXYZ"))
def test_a_typo_in_an_incentive_id_is_caught(value: int, place: int, char: str) -> None:
    given_id = format_id(value, INCENTIVE)
    compact = given_id.replace("-", "")
    if compact[place] == char:
        return
    typo = compact[:place] + char + compact[place + 1 :]
    with pytest.raises(InvalidVoucherId):
        parse_id(typo, INCENTIVE)


@given(st.text(min_size=1, max_size=30))
def test_incentive_ids_are_deterministic_per_voucher(voucher: str) -> None:
    assert incentive_id(KEY, voucher) == incentive_id(KEY, voucher)
    assert incentive_id(KEY, voucher) != incentive_id(b"other", voucher)
    same_material = voucher_id(KEY, "incentive", voucher, "", "", 0, "")
    assert incentive_id(KEY, voucher) != same_material


def test_incentive_tokens_carry_their_typ_and_voucher_tokens_are_refused(key_dir: Path) -> None:
    ring = KeyRing.load(key_dir)
    signer, verifier = Signer(ring, "hub"), Verifier(ring.jwks())
    now = datetime.now(UTC)
    claims = {"sub": "I", "iat": int(now.timestamp()), "exp": int(now.timestamp()) + 60}
    incentive = signer.sign_incentive(claims)
    assert verifier.verify(incentive, typ=INCENTIVE_TYP)["iss"] == "hub"
    with pytest.raises(TokenError, match="typ"):
        verifier.verify(incentive)  # not a voucher token
    voucher = Voucher(
        id="V", program="p", kind="repair", order_id="o", line_id="l", unit=0,
        valid_until=now + timedelta(days=1),
    )  # fmt: skip
    with pytest.raises(TokenError, match="typ"):
        verifier.verify(signer.sign_voucher(voucher, now), typ=INCENTIVE_TYP)
