"""The virtual-direct channel: a resumable relay between a voucher's holder and its provider.

A domain (DESIGN §6 "Channel"): it uses :mod:`center.vouchers` (who may see a voucher, the
token verifier's rules), :mod:`center.parties` (principals) and :mod:`center.audit` (the change
feed it turns into ``system`` frames), never the api. The relay core is plain Python tested
without sockets: the frame log with its per-case ``seq`` (:mod:`.services`), group commit
(:mod:`.commits`), tickets (:mod:`.tickets`), each case's newest frames shared by a process's
sockets (:mod:`.tails`), the doorbell between sockets and processes (:mod:`.bells`,
:mod:`.bus`), and one socket's conversation (:mod:`.session` over :mod:`.wire`);
:mod:`center.api.ws` is the thin WebSocket route.
"""
