"""What the tests of every package share: factories, the vendored fixtures, servers in threads.

Test modules import from here (``from tests.common.settings import store_config``): with
``--import-mode=importlib`` a conftest cannot be imported, and nothing here is a fixture that
pytest must find by name (those live in ``tests/conftest.py``).
"""
