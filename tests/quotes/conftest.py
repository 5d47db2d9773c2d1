"""The quote fixtures (see fixtures.py, which tests/api and tests/web import too)."""

from tests.quotes.fixtures import (  # noqa: F401
    company,
    furnace,
    jane,
    jane_account,
    line,
    make_estimate,
    make_opportunity,
    opportunity,
)
