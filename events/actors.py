"""Who made a change: an API application, a signed-in user, or the system (a task)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Actor:
    """The author of an event. Exactly one of `id` (application, user) or `name` (system)."""

    type: str
    id: int | None = None
    name: str = ""

    APPLICATION = "application"
    USER = "user"
    SYSTEM = "system"
    API_KEY = "api_key"  # an Overbooked-style key (pk_/sk_), DESIGN §10

    @classmethod
    def application(cls, application_id: int) -> Actor:
        return cls(type=cls.APPLICATION, id=application_id)

    @classmethod
    def user(cls, user_id: int) -> Actor:
        return cls(type=cls.USER, id=user_id)

    @classmethod
    def api_key(cls, api_key_id: int) -> Actor:
        return cls(type=cls.API_KEY, id=api_key_id)

    @classmethod
    def system(cls, name: str) -> Actor:
        return cls(type=cls.SYSTEM, name=name)

    def as_json(self) -> dict[str, Any]:
        if self.type == self.SYSTEM:
            return {"type": self.type, "name": self.name}
        return {"type": self.type, "id": self.id}

    @classmethod
    def from_json(cls, value: dict[str, Any] | None) -> Actor | None:
        if not value:
            return None
        if value.get("type") == cls.SYSTEM:
            return cls.system(str(value.get("name", "")))
        return cls(type=str(value.get("type")), id=value.get("id"))

    @property
    def label(self) -> str:
        """`application-17`, `user-3`, `system` (OfficeRnD's createdBy/modifiedBy)."""
        return self.SYSTEM if self.type == self.SYSTEM else f"{self.type}-{self.id}"
