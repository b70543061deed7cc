"""The ``ascc_marketplace`` fixture and ``ascc_scenario`` marker, as another project uses them.

Each test writes a third-party ``ascc`` plugin (a delivery channel) installed the way pip would
(a module and a ``dist-info`` folder with its entry point on ``sys.path``) and a test file that
uses the fixture, then runs pytest on it with ``pytester`` in a child process (``python -m
pytest`` finds the plugin in its working folder, as if installed). Not in this process: pytester
forgets the modules an inner run imported, and SQLAlchemy's declarative models cannot be
imported twice in one process.
"""

from __future__ import annotations

from pathlib import Path

import pytest

CHANNEL = """
from ascc_plugin.hooks import hookimpl

SEEN = []


class Counting:
    @hookimpl
    def ascc_deliver_voucher(self, voucher, customer):
        SEEN.append(voucher)


@hookimpl
def ascc_register_channels(register):
    register("counting", lambda settings: Counting())
"""

USES_THE_MARKETPLACE = """
import pytest
import {module}


@pytest.mark.ascc_scenario("small", seed=7, hours=6, channels=["counting"])
def test_every_voucher_reaches_my_channel(ascc_marketplace):
    order = ascc_marketplace.place_order()
    assert ascc_marketplace.advance(6) == 6
    summary = ascc_marketplace.finish()
    assert summary["cross_check"]["ok"], ascc_marketplace.diff()
    assert summary["lost"] == 0 and summary["duplicated"] == 0
    assert len({module}.SEEN) == summary["hub"]["vouchers"] == len(ascc_marketplace.customers)
    assert any(voucher.order_id == order for voucher in {module}.SEEN)
"""


def install(pytester: pytest.Pytester, name: str, source: str) -> None:
    """``name`` as an installed distribution offering the ``ascc`` entry point ``name``."""
    pytester.makepyfile(**{name: source})
    info = Path(pytester.path) / f"{name}-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(f"[ascc]\n{name} = {name}\n")


def test_a_generated_test_using_the_fixture_and_the_marker_passes(
    pytester: pytest.Pytester,
) -> None:
    install(pytester, "counting_channel", CHANNEL)
    pytester.makepyfile(test_shop=USES_THE_MARKETPLACE.format(module="counting_channel"))
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


def test_a_broken_third_party_plugin_fails_with_its_name_and_reason(
    pytester: pytest.Pytester,
) -> None:
    install(pytester, "broken_channel", CHANNEL + "\nraise RuntimeError('courier API changed')\n")
    pytester.makepyfile(
        test_shop="""
import pytest


@pytest.mark.ascc_scenario("small", hours=1)
def test_uses_the_marketplace(ascc_marketplace):
    ascc_marketplace.advance(1)
"""
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        [
            "*ascc_marketplace: plugin 'broken_channel' (broken_channel) failed to load: "
            "RuntimeError('courier API changed')*"
        ]
    )


def test_an_unknown_marker_option_is_named(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_shop="""
import pytest


@pytest.mark.ascc_scenario("small", sede=7)
def test_typo(ascc_marketplace):
    pass
"""
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*ascc_scenario: unknown option(s) sede*"])
