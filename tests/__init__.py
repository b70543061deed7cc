"""The test suite, mirroring the packages (see README "Development"). A regular package, so
``tests.common`` is ours even where another distribution installs a top-level ``tests``."""
