"""The store's forwarding client (``mode = "center"``): a durable outbox, a sender with retries,
the signed posts to the hub, and the ``center`` handler that ties them to the plugin host."""
