"""Tests of the simulator package: ``ascc demo`` as a subprocess."""
