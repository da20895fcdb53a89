"""Forms send the browser only to paths on this site."""

from __future__ import annotations

import pytest

from spstories.web.redirects import local_path


@pytest.mark.parametrize("target", [
    None, "", "//evil.example/x", "https://evil.example/", "/\\evil.example", "evil",
    "http:/x",
])
def test_anything_but_a_local_path_falls_back(target):
    assert local_path(target, "/home") == "/home"


# An encoded backslash stays a path on this site: browsers do not decode it into a host.
@pytest.mark.parametrize("target", ["/research/1", "/research/1?doc=2#c3", "/", "/%5C%5Cx"])
def test_local_paths_are_kept(target):
    assert local_path(target, "/home") == target


def test_login_ignores_an_offsite_next(client, auth, users):
    from tests.conftest import PASSWORD, csrf_token

    token = csrf_token(client.get("/auth/login").get_data(as_text=True))
    response = client.post("/auth/login?next=//evil.example/",
                           data={"email": "manager@north.test", "password": PASSWORD,
                                 "csrf_token": token})
    assert response.status_code == 302
    assert "evil" not in response.headers["Location"]
