"""Assessments: the holder rates the completed service once; the provider's rating is earned.

Uses the domains ``vouchers``, ``incentives`` (an assessment may give an incentive) and
``ledger``.
"""
