"""The e2e mode: the model's marketplace driven through the real adapters, store and hub.

``run_e2e(scenario, seed=1)`` (:mod:`simulator.e2e.run`) runs one replication of the model and
turns its decisions into real traffic, in process and in virtual time: every order becomes a
signed storefront webhook posted to the real store service (:mod:`simulator.e2e.store`), whose
real outbox and sender forward it to the real hub (:mod:`simulator.e2e.hub`) across the wireless
link model (:mod:`simulator.e2e.transport`); customers and providers act through the hub's HTTP
API (:mod:`simulator.e2e.bridge`). At the end the hub's records are compared with the model's
expectation (:mod:`simulator.e2e.crosscheck`).
"""
