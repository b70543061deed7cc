"""Voucher tokens signed and verified per second, beside raw Ed25519 on the same bytes.

The floor is ``cryptography``'s Ed25519 sign/verify of the exact JWS signing input the token
carries, so the ratio is what PyJWT's encoding, JSON and our claim handling cost on top.
Goal (issue 2): ≥ 0.7 of raw for both.

    .venv/bin/python benchmarks/bench_tokens.py [--seconds 2]
"""

from __future__ import annotations

import argparse
import base64
import json
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from ascc_plugin.keys import KeyRing, generate_key
from ascc_plugin.tokens import Signer, Verifier
from ascc_plugin.vouchers import Voucher


def rate(fn: Callable[[], object], seconds: float) -> float:
    """Calls per second of ``fn`` over about ``seconds`` (best of three rounds)."""
    best = 0.0
    for _ in range(3):
        count, start = 0, time.perf_counter()
        deadline = start + seconds / 3
        while time.perf_counter() < deadline:
            for _ in range(100):
                fn()
            count += 100
        best = max(best, count / (time.perf_counter() - start))
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0, help="time per measurement")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        generate_key(Path(folder))
        ring = KeyRing.load(Path(folder))
    now = datetime.now(UTC)
    voucher = Voucher(
        id="ME13-S9JW-J6MS-PK8P-S",
        program="repair-12m",
        kind="repair",
        order_id="450789469",
        line_id="466157049",
        unit=0,
        valid_until=now + timedelta(days=365),
    )
    signer = Signer(ring, "demo.myshopify.com")
    verifier = Verifier(ring.jwks())
    token = signer.sign_voucher(voucher, now)
    signing_input = token.rsplit(".", 1)[0].encode()
    signature = base64.urlsafe_b64decode(token.rsplit(".", 1)[1] + "==")
    private, public = ring.active_key, ring.active_key.public_key()
    assert verifier.verify(token)["sub"] == voucher.id

    figures = {
        "tokens signed/s": rate(lambda: signer.sign_voucher(voucher, now), args.seconds),
        "raw Ed25519 sign/s": rate(lambda: private.sign(signing_input), args.seconds),
        "tokens verified/s": rate(lambda: verifier.verify(token), args.seconds),
        "raw Ed25519 verify/s": rate(lambda: public.verify(signature, signing_input), args.seconds),
    }
    for name, value in figures.items():
        print(f"{name:>22}: {value:10,.0f}")
    sign_ratio = figures["tokens signed/s"] / figures["raw Ed25519 sign/s"]
    verify_ratio = figures["tokens verified/s"] / figures["raw Ed25519 verify/s"]
    print(f"{'sign ratio':>22}: {sign_ratio:10.2f}  (goal ≥ 0.70)")
    print(f"{'verify ratio':>22}: {verify_ratio:10.2f}  (goal ≥ 0.70)")
    print(
        json.dumps(
            {
                "token_bytes": len(token),
                "sign_ratio": round(sign_ratio, 3),
                "verify_ratio": round(verify_ratio, 3),
            }
        )
    )


if __name__ == "__main__":
    main()
