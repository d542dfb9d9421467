"""Connection settings and secrets of one Intacct company.

Why split: settings are plain configuration that may be shown and logged; secrets never are, so
their ``repr`` is masked and no error text built from them can leak a password.
"""

from __future__ import annotations

from dataclasses import dataclass, field

DEFAULT_ENDPOINT = "https://api.intacct.com/ia/xml/xmlgw.phtml"


@dataclass(frozen=True)
class IntacctSettings:
    """Where and as whom to call the XML gateway, and the client's own limits."""

    sender_id: str
    company_id: str
    user_id: str
    endpoint: str = DEFAULT_ENDPOINT
    location_id: str | None = None
    max_functions_per_request: int = 100
    # requests in flight at once for one call of many requests: Intacct limits concurrent requests
    # per company by tier (a couple on the common one); 1 unless the profile says its tier allows more
    max_concurrent_requests: int = 1
    connect_timeout: float = 10.0
    read_timeout: float = 300.0
    max_response_bytes: int = 50 * 1024 * 1024

    @property
    def timeout(self) -> tuple[float, float]:
        return (self.connect_timeout, self.read_timeout)


@dataclass(frozen=True)
class IntacctSecrets:
    """The sender (Web Services) password and the API user's password."""

    sender_password: str = field(repr=False)
    user_password: str = field(repr=False)

    def __repr__(self) -> str:
        return "IntacctSecrets(sender_password='***', user_password='***')"

    __str__ = __repr__
