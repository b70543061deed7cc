"""The hub's own delivery of new vouchers to customers, for the stores that ask for it.

Uses vouchers (their rows), parties (customers), deliveries (sealing) and audit (the change
feed). A durable row per voucher and channel is written in the issuing transaction with the
holder secret sealed; the worker hands it to the channel and removes the secret once delivered.
"""
