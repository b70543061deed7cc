"""The channel's Python client (:mod:`.client`) and ``ascc channel tail`` (:mod:`.plugin`)."""
