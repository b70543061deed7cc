"""``check_bindable``: a listening socket makes a port busy; a closed one does not."""

from __future__ import annotations

import socket

import pytest

from ascc_plugin.ports import PortBusy, check_bindable


def test_a_port_someone_listens_on_is_busy() -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        with pytest.raises(PortBusy, match=rf"cannot listen on 127.0.0.1:{port}: already in use"):
            check_bindable("127.0.0.1", port)
    check_bindable("127.0.0.1", port)  # closed again: free
    check_bindable("127.0.0.1", 0)
