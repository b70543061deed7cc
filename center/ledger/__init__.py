"""The double-entry ledger: every business event of the reward half as one balanced transaction."""
