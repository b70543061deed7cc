"""Ledger account names: ``<party kind>:<party id>:<purpose>``, and who may read each.

=================================  ======  ==============================================
account                            normal  holds
=================================  ======  ==============================================
``gsp:<id>:incentive-expense``     debit   the store's cost of incentives given
``gsp:<id>:incentives``            credit  incentives issued, not yet released or lapsed
``gsp:<id>:premium-expense``       debit   premiums the store owes for insured vouchers
``provider:<id>:incentives-held``  credit  incentives released to the provider, not redeemed
``provider:<id>:receivable``       credit  what the provider is owed (redeemed incentives,
                                           paid claims)
``policy:<id>:premiums``           credit  premiums earned by the policy
``policy:<id>:claims``             debit   claims paid by the policy
``policy:<id>:reserve``            credit  pending claims (the reserve)
``policy:<id>:incurred``           debit   the other side of the reserve
=================================  ======  ==============================================

A balance is shown on its account's normal side, so each reads as a positive amount.
"""

from __future__ import annotations

from center.parties.auth import Kind, Principal

CREDIT_NORMAL = frozenset({"incentives", "incentives-held", "receivable", "premiums", "reserve"})
OWNERS = {"gsp": Kind.GSP, "provider": Kind.PROVIDER}


def account(kind: str, party_id: str, purpose: str) -> str:
    return f"{kind}:{party_id}:{purpose}"


def gsp(gsp_id: str, purpose: str) -> str:
    return account("gsp", gsp_id, purpose)


def provider(provider_id: str, purpose: str) -> str:
    return account("provider", provider_id, purpose)


def policy(policy_id: str, purpose: str) -> str:
    return account("policy", policy_id, purpose)


def normal_sign(name: str) -> int:
    """+1 for a debit-normal account, −1 for a credit-normal one."""
    return -1 if name.rsplit(":", 1)[-1] in CREDIT_NORMAL else 1


def may_read(name: str, principal: Principal) -> bool:
    """The operator reads every account; a store or provider only its own."""
    if principal.kind == Kind.ADMIN:
        return True
    kind, _, rest = name.partition(":")
    party_id = rest.rpartition(":")[0]
    owner = OWNERS.get(kind)
    return owner is not None and principal.is_(owner, party_id)
