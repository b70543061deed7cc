"""The ``preview`` handler: computes what an order entitles, issues nothing.

Store owners run it to try their program rules on real traffic before going live. Vouchers get
a signed token when ``[keys] dir`` is configured, never a holder secret (nothing is issued).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from ascc_plugin.clock import Clock, utcnow
from ascc_plugin.handlers import BaseHandler
from ascc_plugin.hooks import hookimpl
from ascc_plugin.identity import PUBLIC_PREVIEW_KEY
from ascc_plugin.issuing import entitled_vouchers
from ascc_plugin.keys import KeyRing
from ascc_plugin.models import Order, OrderEvent
from ascc_plugin.programs import Program
from ascc_plugin.settings import Settings
from ascc_plugin.tokens import Signer
from ascc_plugin.vouchers import Issuance


class PreviewHandler(BaseHandler):
    """Answers ``ascc_issue_vouchers`` with the entitled vouchers, storing nothing."""

    def __init__(self, settings: Settings, clock: Clock = utcnow) -> None:
        self.issue_on = settings.store.issue_on
        self.clock = clock
        ring = KeyRing.load(settings.keys.dir) if settings.keys.dir else None
        self.id_key = ring.id_key if ring else PUBLIC_PREVIEW_KEY
        self.signer = Signer(ring, settings.issuer) if ring else None

    @hookimpl
    def ascc_issue_vouchers(
        self, event: OrderEvent, order: Order, programs: Sequence[Program]
    ) -> Issuance:
        vouchers = entitled_vouchers(event.gsp, order, programs, self.issue_on, self.id_key)
        if self.signer is not None:
            now, signer = self.clock(), self.signer
            vouchers = [
                v.model_copy(update={"token": signer.sign_voucher(v, now)}) for v in vouchers
            ]
        return Issuance.of("previewed", vouchers)


@hookimpl
def ascc_register_handlers(register: Callable[[str, Callable[[Settings], object]], None]) -> None:
    register("preview", PreviewHandler)
