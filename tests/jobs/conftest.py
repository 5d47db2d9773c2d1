from tests.jobs.fixtures import deal, field_service, jane, make_deal  # noqa: F401
