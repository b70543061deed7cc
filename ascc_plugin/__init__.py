"""ASCC plugin host: canonical order events, programs, voucher identity and signed tokens.

This package imports no web framework, database model or adapter: every other package of ASCC
builds on it (DESIGN §2).
"""

from ascc_plugin.hooks import hookimpl, hookspec

__all__ = ["hookimpl", "hookspec"]
