"""Keep credentials out of messages: error texts, doctor rows and logs are shown, pasted into
tickets and written to Ansible logs, so a URL's ``user:password@`` never reaches them.

Standard library only: the doctor and the command line use it before anything else imports.
"""

import re
from collections.abc import Iterable

REDACTED = "***"

_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.\-]*://)[^/?#\s@]*@")


def redact_urls(text: str) -> str:
    """``text`` with the userinfo of every ``scheme://user:password@host`` URL replaced by
    ``***``."""
    return _USERINFO.sub(rf"\1{REDACTED}@", text)


def scrub(text: str, secrets: Iterable[str]) -> str:
    """``text`` with URL userinfo redacted and every occurrence of each (non-empty) secret
    replaced by ``***``; the longest secrets go first so one that contains another is removed
    whole."""
    text = redact_urls(text)
    for secret in sorted({s for s in secrets if s}, key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    return text
