"""Public, fixed credentials of the sandbox emulators.

They are constants on purpose: the sandbox holds no real data and listens on loopback only,
so its credentials may live in the `sandbox` profile file (real credentials never do).
"""

from __future__ import annotations

SF_USERNAME = "operator@sandbox.sfintacct.local"
SF_PASSWORD = "sandbox-password"
SF_SECURITY_TOKEN = "SANDBOXTOKEN"
SF_CONSUMER_KEY = "3MVG9sandbox.consumer.key"
SF_CONSUMER_SECRET = "sandbox-consumer-secret"
SF_ORG_ID = "00D5e000000SBXAEA4"
SF_USER_ID = "0055e000001SBXAAA4"

INTACCT_SENDER_ID = "sfintacct_sandbox"
INTACCT_SENDER_PASSWORD = "sandbox-sender-password"
INTACCT_COMPANY_ID = "SANDBOX-CO"
INTACCT_USER_ID = "xml_gateway"
INTACCT_USER_PASSWORD = "sandbox-user-password"
