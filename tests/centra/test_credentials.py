"""The worker's Centra credential check: the rateLimits query needs no permission, only a
token Centra accepts (tests/activities/test_credentials.py has Amazon's and GXO's)."""

from __future__ import annotations

import pytest

from domain.exceptions import ExceptionKind
from integrations.centra.errors import CentraError
from integrations.centra.module import CENTRA
from integrations.module import OpenedPorts
from tests.centra.support import Harness


async def test_a_valid_token_is_accepted() -> None:
    harness = Harness()
    proved = await CENTRA.check_credentials(OpenedPorts(harness.channel))
    assert proved == "API token accepted (rateLimits)"
    assert harness.transport.calls["RateLimits"] == 1


async def test_an_unknown_token_is_an_auth_failure() -> None:
    harness = Harness(token="expired-token")
    with pytest.raises(CentraError) as refused:
        await CENTRA.check_credentials(OpenedPorts(harness.channel))
    assert refused.value.exception_kind is ExceptionKind.CHANNEL_AUTH_FAILED
