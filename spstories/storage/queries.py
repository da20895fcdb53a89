"""Read queries, always scoped to the organisations a user belongs to."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from spstories.storage.models import Organisation, User

T = TypeVar("T")


def scoped(stmt: Select[Any], model: Any, user: User) -> Select[Any]:
    """Restrict ``stmt`` to rows of ``model`` in the user's organisations."""
    return stmt.where(model.organisation_id.in_(user.organisation_ids))


def get_scoped(session: Session, model: type[T], object_id: int, user: User) -> T | None:
    """The object if it exists *and* belongs to one of the user's organisations."""
    stmt = scoped(select(model), model, user).where(model.id == object_id)  # type: ignore[attr-defined]
    return session.scalars(stmt).first()


def count_scoped(session: Session, model: Any, user: User, *where: Any) -> int:
    stmt = scoped(select(func.count()).select_from(model), model, user).where(*where)
    return session.scalar(stmt) or 0


def user_by_email(session: Session, email: str) -> User | None:
    return session.scalars(select(User).where(User.email == email.strip().lower())).first()


def organisation_by_slug(session: Session, slug: str) -> Organisation | None:
    return session.scalars(select(Organisation).where(Organisation.slug == slug)).first()


def all_organisations(session: Session) -> list[Organisation]:
    return list(session.scalars(select(Organisation).order_by(Organisation.name)))
