"""The wireless links of one replication: cells per party class, receivers, message sizes.

Which link a message crosses (the mobile party's; the center is wired):

=========================  ===========================  =====================
message                    link, direction              receiver (dedupe)
=========================  ===========================  =====================
order event                store's cell, up             center
voucher delivery           customer's cell, down        customer's device
channel frame              sender's cell up, then       center relay, then
                           receiver's cell down         the other party
redeem                     provider's cell, up          center
=========================  ===========================  =====================
"""

from __future__ import annotations

import simpy

from ascc_plugin.backoff import Backoff
from simulator.scenario import Scenario
from simulator.streams import Streams
from simulator.wireless import Cell, LinkStats, Network, Receiver, outages

PARTIES = ("store", "customer", "provider")


class Links:
    """Cells, receivers and statistics of every party class's link."""

    def __init__(
        self,
        env: simpy.Environment,
        scenario: Scenario,
        streams: Streams,
        stats: dict[str, LinkStats],
    ) -> None:
        wireless = scenario.wireless
        self.env, self.streams, self.timeout_s = env, streams, wireless.timeout_seconds
        self.cells: dict[str, list[Cell]] = {}
        for party in PARTIES:
            name = getattr(wireless, party)
            profile = scenario.profile(name)
            link_stats = stats.setdefault(name, LinkStats())
            rng, outage_rng = streams[f"link.{party}"], streams[f"outage.{party}"]
            cells = [Cell(env, profile, rng, link_stats) for _ in range(wireless.cells)]
            if profile.mean_up_s is not None:
                for cell in cells:
                    env.process(outages(env, cell, outage_rng, profile))
            self.cells[party] = cells
        retention = wireless.retention_hours
        self.center, self.customers, self.providers = (Receiver(retention) for _ in range(3))
        sizes = wireless.message_bytes
        self.event = (sizes.event, sizes.ack)
        self.voucher = (sizes.voucher, sizes.ack)
        self.frame = (sizes.frame, sizes.ack)
        self.redeem = (sizes.redeem, sizes.ack)
        self.n = wireless.cells

    def network(self, backoff: Backoff) -> Network:
        return Network(self.env, self.timeout_s, backoff, self.streams["backoff"])

    def store_hop(self, store: int) -> tuple[Cell, bool]:
        """The store's cell, upward."""
        return self.cells["store"][store % self.n], True

    def customer_cell(self, customer: int) -> Cell:
        return self.cells["customer"][customer % self.n]

    def provider_cell(self, provider: int) -> Cell:
        return self.cells["provider"][provider % self.n]
