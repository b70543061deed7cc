"""Reports of the reward half: satisfaction, incentives, insurance, service times, per caller.

Uses the domains ``assessments``, ``incentives``, ``insurance``, ``vouchers`` and ``ledger``.
"""
