from __future__ import annotations

import base64
import json
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from ascc_plugin.keys import KeyFolderError, KeyRing, generate_key
from ascc_plugin.tokens import Signer, TokenError, Verifier
from ascc_plugin.vouchers import Voucher

NOW = datetime.now(UTC)


def _voucher(valid_until: datetime) -> Voucher:
    return Voucher(
        id="ME13-S9JW-J6MS-PK8P-S",
        program="repair-12m",
        kind="repair",
        order_id="1",
        line_id="L1",
        unit=0,
        valid_until=valid_until,
    )


def _token(key_dir: Path, valid_until: datetime = NOW + timedelta(days=30)) -> str:
    return Signer(KeyRing.load(key_dir), "demo.myshopify.com").sign_voucher(
        _voucher(valid_until), NOW
    )


def _verifier(key_dir: Path) -> Verifier:
    return Verifier(json.loads((key_dir / "jwks.json").read_text()))


def test_a_signed_token_verifies_offline_with_the_jwks(key_dir: Path) -> None:
    claims = _verifier(key_dir).verify(_token(key_dir))
    assert claims["sub"] == "ME13-S9JW-J6MS-PK8P-S"
    assert claims["iss"] == "demo.myshopify.com"
    assert (claims["program"], claims["kind"]) == ("repair-12m", "repair")


def test_key_files_are_private_and_the_jwks_public_only(key_dir: Path) -> None:
    private = [*key_dir.glob("signing-*.pem"), key_dir / "voucher-id.key"]
    for path in private:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    [jwk] = json.loads((key_dir / "jwks.json").read_text())["keys"]
    assert set(jwk) == {"kty", "crv", "x", "kid", "alg", "use"}


def _flip(segment: str) -> str:
    return segment[:-2] + ("A" if segment[-2] != "A" else "B") + segment[-1]


def test_tampered_tokens_are_refused_as_bad_signature(key_dir: Path) -> None:
    header, payload, signature = _token(key_dir).split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["program"] = "gold-plated"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    verifier = _verifier(key_dir)
    for token in (f"{header}.{forged}.{signature}", f"{header}.{payload}.{_flip(signature)}"):
        with pytest.raises(TokenError) as error:
            verifier.verify(token)
        assert error.value.reason == "bad signature"


def test_a_token_from_an_unknown_key_is_refused(key_dir: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    generate_key(other)
    with pytest.raises(TokenError) as error:
        _verifier(key_dir).verify(_token(other))
    assert error.value.reason == "unknown key"


def test_an_expired_token_is_refused(key_dir: Path) -> None:
    with pytest.raises(TokenError) as error:
        _verifier(key_dir).verify(_token(key_dir, valid_until=NOW - timedelta(seconds=5)))
    assert error.value.reason == "expired"


@pytest.mark.parametrize("garbage", ["", "abc", "a.b.c", "e30.e30.", "🙂.🙂.🙂", "x" * 5000])
def test_garbage_is_refused_as_malformed(key_dir: Path, garbage: str) -> None:
    with pytest.raises(TokenError) as error:
        _verifier(key_dir).verify(garbage)
    assert error.value.reason == "malformed"


def test_a_token_signed_with_another_algorithm_is_refused(key_dir: Path) -> None:
    import jwt

    kid = KeyRing.load(key_dir).active_kid
    token = jwt.encode(
        {"sub": "x"}, "secret-secret-secret-secret-32by", algorithm="HS256", headers={"kid": kid}
    )
    with pytest.raises(TokenError) as error:
        _verifier(key_dir).verify(token)
    assert error.value.reason == "malformed"


def test_rotation_keeps_old_tokens_valid_and_signs_with_the_new_key(key_dir: Path) -> None:
    old_token = _token(key_dir)
    old_kid = KeyRing.load(key_dir).active_kid
    id_key = KeyRing.load(key_dir).id_key
    new_kid = generate_key(key_dir)
    ring = KeyRing.load(key_dir)
    assert new_kid != old_kid
    assert ring.active_kid == new_kid
    assert ring.id_key == id_key  # voucher ids never change with rotation
    assert [k["kid"] for k in ring.jwks()["keys"]] == [new_kid, old_kid]
    verifier = _verifier(key_dir)
    assert verifier.verify(old_token)["sub"] == "ME13-S9JW-J6MS-PK8P-S"
    new_token = _token(key_dir)
    assert json.loads(base64.urlsafe_b64decode(new_token.split(".")[0] + "=="))["kid"] == new_kid


def test_an_incomplete_key_folder_is_reported(tmp_path: Path) -> None:
    with pytest.raises(KeyFolderError, match="ascc keys generate"):
        KeyRing.load(tmp_path)


def test_a_verifier_with_a_clock_judges_validity_at_that_time(key_dir: Path) -> None:
    """A hub at a simulation's (or a test's) time: ``exp`` and ``iat`` against its clock."""
    jwks = json.loads((key_dir / "jwks.json").read_text())
    token = _token(key_dir, valid_until=NOW + timedelta(days=30))
    at = lambda delta: Verifier(jwks, clock=lambda: NOW + delta)  # noqa: E731
    assert at(timedelta(days=29)).verify(token)["sub"] == "ME13-S9JW-J6MS-PK8P-S"
    with pytest.raises(TokenError) as expired:
        at(timedelta(days=31)).verify(token)
    assert expired.value.reason == "expired"
    with pytest.raises(TokenError) as early:
        at(timedelta(hours=-1)).verify(token)
    assert early.value.reason == "not yet valid"
