"""The admin page to manage users."""

from __future__ import annotations

from sqlalchemy import select
from werkzeug.security import check_password_hash

from spstories.storage.models import AuditEvent, User


def _new_user(auth, orgs, **overrides):
    data = {
        "email": "new.worker@north.test",
        "name": "New Worker",
        "role": "link_worker",
        "organisations": [orgs["north"].id],
        "password": "a long enough pw",
        "active": "y",
    }
    data.update(overrides)
    return auth.post("/admin/users/new", data)


def test_admin_creates_a_user_who_can_then_log_in(client, auth, users, orgs, db):
    auth.login("admin@north.test")
    response = _new_user(auth, orgs)
    assert response.status_code == 302
    created = db.scalars(select(User).where(User.email == "new.worker@north.test")).one()
    assert created.role == "link_worker"
    assert [o.slug for o in created.organisations] == ["north-sp"]
    assert created.password_hash != "a long enough pw"
    event = db.scalars(
        select(AuditEvent).where(AuditEvent.action == "user.create").order_by(AuditEvent.id.desc())
    ).first()
    assert event.user_id == users["admin"].id
    auth.logout()
    assert auth.login("new.worker@north.test", "a long enough pw").status_code == 302


def test_invalid_user_form_keeps_input_and_saves_nothing(client, auth, users, orgs, db):
    auth.login("admin@north.test")
    response = _new_user(auth, orgs, email="not-an-email", password="short")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Enter a valid email address." in page
    assert "At least 10 characters." in page
    assert 'value="New Worker"' in page
    assert db.scalars(select(User).where(User.name == "New Worker")).first() is None


def test_duplicate_email_is_refused_with_a_message(client, auth, users, orgs):
    auth.login("admin@north.test")
    response = _new_user(auth, orgs, email="MANAGER@north.test")
    assert "already exists" in response.get_data(as_text=True)


def test_admin_cannot_assign_an_organisation_they_do_not_belong_to(client, auth, users, orgs, db):
    auth.login("admin@north.test")
    response = _new_user(auth, orgs, organisations=[orgs["south"].id])
    assert response.status_code == 200
    assert db.scalars(select(User).where(User.name == "New Worker")).first() is None


def test_admin_sees_only_users_of_their_organisations(client, auth, users):
    auth.login("admin@north.test")
    page = client.get("/admin/users").get_data(as_text=True)
    assert "manager@north.test" in page
    assert "link_worker@south.test" not in page
    assert client.get(f"/admin/users/{users['south_link_worker'].id}").status_code == 404


def test_admin_changes_role_resets_password_and_deactivates(client, auth, users, db):
    auth.login("admin@north.test")
    target = users["researcher"]
    response = auth.post(
        f"/admin/users/{target.id}",
        {
            "email": target.email,
            "name": target.name,
            "role": "manager",
            "organisations": [o.id for o in target.organisations],
            "password": "a brand new password",
        },
    )
    assert response.status_code == 302
    db.expire_all()
    changed = db.get(User, target.id)
    assert changed.role == "manager"
    assert changed.active is False  # the box was left unticked
    assert check_password_hash(changed.password_hash, "a brand new password")


def test_admin_cannot_deactivate_themselves(client, auth, users, db):
    admin = users["admin"]
    auth.login(admin.email)
    response = auth.post(
        f"/admin/users/{admin.id}",
        {
            "email": admin.email,
            "name": admin.name,
            "role": "admin",
            "organisations": [o.id for o in admin.organisations],
        },
    )
    assert "cannot deactivate your own account" in response.get_data(as_text=True)
    db.expire_all()
    assert db.get(User, admin.id).active is True
