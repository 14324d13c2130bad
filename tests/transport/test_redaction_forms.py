"""Every form of the credentials is scrubbed, and nothing else is."""

from __future__ import annotations

import base64

from practitest_async.redaction import credential_secrets, redact

TOKEN = "s3cr3t-T0KEN-4566"
EMAIL = "dev.person@example.com"


def test_every_form_of_the_credentials_is_scrubbed() -> None:
    basic = base64.b64encode(f"{EMAIL}:{TOKEN}".encode()).decode()
    other = base64.b64encode(b"someone:else").decode()
    text = (
        f"Authorization: Basic {basic}\nAuthorization: Basic {other}\n"
        f"?api_token={TOKEN}&developer_email=dev.person%40example.com\n{TOKEN} {EMAIL}"
    )

    scrubbed = redact(text, *credential_secrets(TOKEN, EMAIL))

    for secret in (basic, other, TOKEN, EMAIL, "dev.person%40example.com"):
        assert secret not in scrubbed
    assert scrubbed.count("***") == 6


def test_words_that_only_look_like_credentials_stay() -> None:
    text = "Basic authentication is off; use a PractiTest token (PTToken header)"
    assert redact(text, *credential_secrets("t", None)) == text
