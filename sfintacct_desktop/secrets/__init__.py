"""Secrets layer: credentials only in the OS keyring, and one redaction pass for logs.

Never imports the sandbox package: callers say ``sandbox=True`` for the public sandbox profile.
"""

from .redact import (
    MASK,
    RedactingFilter,
    clear_registered_secrets,
    install_redaction,
    redact,
    redacted_exception_text,
    register_secret,
)
from .store import (
    BACKEND_CRYPTFILE,
    BACKEND_KEYRING,
    BACKEND_SETTING,
    BackendStatus,
    CredentialStore,
    CredentialStoreError,
    InsecureBackendError,
    assess_backend,
    service_name,
)

__all__ = [
    "BACKEND_CRYPTFILE",
    "BACKEND_KEYRING",
    "BACKEND_SETTING",
    "MASK",
    "BackendStatus",
    "CredentialStore",
    "CredentialStoreError",
    "InsecureBackendError",
    "RedactingFilter",
    "assess_backend",
    "clear_registered_secrets",
    "install_redaction",
    "redact",
    "redacted_exception_text",
    "register_secret",
    "service_name",
]
