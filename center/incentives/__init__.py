"""Incentive vouchers: issued on assessment, released by the holder to the provider who served,
redeemed once by that provider (the service voucher becomes ``rewarded``), or lapsed.

Uses the domains ``vouchers`` and ``ledger``.
"""
