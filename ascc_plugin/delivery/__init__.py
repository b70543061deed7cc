"""Delivery channels: how a newly issued voucher (and its holder secret) reaches its customer.

Channels are plugins implementing ``ascc_deliver_voucher``, offered by name through
``ascc_register_channels`` (:mod:`ascc_plugin.delivery.plugin` offers ``log`` and ``email``);
a store names the ones it uses in ``[delivery] channels``.
"""
