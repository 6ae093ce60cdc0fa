"""Signed rating links: the survey id under a salt, so a link cannot be forged or pointed at
another survey. Expiry is the survey's own `expires_at` (a stored fact the page can explain),
and replay is refused by the survey row itself (rated once), not by the token."""

from __future__ import annotations

from django.core import signing

SALT = "satisfaction.survey.v1"


class TokenInvalid(ValueError):
    """A token that was not made here (forged, truncated, altered)."""


def survey_token(survey_id: int) -> str:
    return signing.dumps({"s": survey_id}, salt=SALT)


def survey_id_from_token(token: str) -> int:
    try:
        payload = signing.loads(token, salt=SALT)
    except signing.BadSignature as error:
        raise TokenInvalid("This rating link is not valid.") from error
    survey_id = payload.get("s") if isinstance(payload, dict) else None
    if not isinstance(survey_id, int):
        raise TokenInvalid("This rating link is not valid.")
    return survey_id
