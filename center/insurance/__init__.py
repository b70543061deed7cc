"""Insurance per program: policies, premiums accrued per issued voucher (reversed on void),
providers' cost claims against each voucher's coverage, and the reserve of pending claims.

Uses the domains ``vouchers`` and ``ledger``.
"""
