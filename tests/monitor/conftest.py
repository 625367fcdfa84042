"""The monitor tests that read a real visibility store use the dev server the CLI tests start
(tests/starter/conftest.py), each in a namespace of its own (tests/starter/report_world.py)."""

from tests.starter.conftest import order_server

__all__ = ["order_server"]
