"""More Label Studio users (annotators, reviewers), each with an API token of their own.

Label Studio Community has no admin API that hands out another user's token:
POST /api/users/ makes a user without a password, who can never log in to
fetch one. So a new user joins the way a person does, through the
organisation's invite link (the only sign-up the embedded server allows), and
then reads their own legacy token (and sets their name) with the session that sign-up opened.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

import httpx
from label_studio_sdk import LabelStudio
from pydantic import SecretStr

from curation.server.errors import ServerError


@dataclass(frozen=True)
class Account:
    email: str
    password: SecretStr
    token: SecretStr  # legacy API token
    user_id: int


def invite_user(admin: LabelStudio, url: str, email: str, name: str | None = None) -> Account:
    """Sign `email` up at the Label Studio at `url` via `admin`'s organisation invite (named `name`, "First
    Last", if given); their credentials."""
    invite = admin.organizations.invites.get_invite_link()
    password = secrets.token_urlsafe(18)
    signup = f"/user/signup/?token={invite.token}"
    with httpx.Client(base_url=url, timeout=30) as browser:
        browser.get(signup).raise_for_status()  # sets the CSRF cookie the form needs
        form = {"email": email, "password": password, "csrfmiddlewaretoken": browser.cookies["csrftoken"]}
        answer = browser.post(signup, data=form, headers={"Referer": f"{url}{signup}"})
        if answer.status_code != 302:  # the form comes back (200) when the address is taken or invalid
            raise ServerError(f"signing up {email} at {url} failed (HTTP {answer.status_code}); "
                              "is the address taken or invalid?")
        token = browser.get("/api/current-user/token")
        token.raise_for_status()
        me = browser.get("/api/current-user/whoami")
        me.raise_for_status()
        user_id = me.json()["id"]
        if name:
            first, _, last = name.strip().partition(" ")
            browser.patch(f"/api/users/{user_id}/", json={"first_name": first, "last_name": last.strip()},
                          headers={"X-CSRFToken": browser.cookies["csrftoken"], "Referer": f"{url}/"}).raise_for_status()
    return Account(email=email, password=SecretStr(password), token=SecretStr(token.json()["token"]), user_id=user_id)
