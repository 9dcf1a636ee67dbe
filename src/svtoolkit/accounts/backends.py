"""Password sign-in and the signed-in person, read on every request: Django's ModelBackend, with the person's
row read by a statement built once for each database connection (core.statements). Building the ORM's query
for ``User.objects.get(pk=...)`` anew on each request was most of what finding the person cost
(docs/decisions/0020)."""

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError

from svtoolkit.accounts.models import User
from svtoolkit.core.statements import OneRow

# The default manager's own SELECT of every column, so a filter of that manager is compiled in too; one that
# filters with values of its own is refused (the statement is run with the id alone).
_PERSON = OneRow(User, lambda pk: User._default_manager.filter(pk=pk), "pk")


def person_by_id(user_id) -> User | None:
    """The account with this id, every column read as ``User.objects.get(pk=user_id)`` reads them, or None
    (as for an id that is no account's id at all, such as text that is not a number)."""
    try:
        pk = User._meta.pk.to_python(user_id)
    except ValidationError:
        return None
    return _PERSON.get(pk=pk) if type(pk) is int else None


class PersonBackend(ModelBackend):
    """Django's ModelBackend (passwords, permissions, an inactive account refused), finding the signed-in
    person with ``person_by_id``."""

    def get_user(self, user_id):
        user = person_by_id(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None
