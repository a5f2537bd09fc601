"""Writes of staff accounts: add, edit, deactivate, invite. In transactions, with audit.

Roles and class assignments are read from the database on every request, so a
change here takes effect on the user's next request. Deactivating an account
deletes its sessions at once.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from trackwell.accounts.models import Role, User, log_action
from trackwell.core.models import School
from trackwell.core.versioning import check_version, save_versioned
from trackwell.pupils.models import SchoolClass, StaffAssignment

# Roles a school admin gives to the school's own staff (trust leaders are the trust's).
STAFF_ROLES = [(value, label) for value, label in Role.choices if value != Role.TRUST_LEADER]
# Roles that work with classes; the others see the school as a whole or aggregates only.
CLASS_ROLES = {Role.TEACHER, Role.TA}
LABELS = {
    "first_name": "First name",
    "last_name": "Last name",
    "email": "Email",
    "role": "Role",
    "classes": "Classes",
}


@dataclass(frozen=True)
class StaffValues:
    """What a school admin sets on a member of staff."""

    first_name: str
    last_name: str
    email: str
    role: str
    class_ids: frozenset[int] = frozenset()


def _clean(school: School, values: StaffValues, exclude_pk: int | None = None) -> StaffValues:
    """Check a member of staff's values; raise ValidationError naming each bad field."""
    errors: dict[str, str] = {}
    first, last = values.first_name.strip(), values.last_name.strip()
    email = values.email.strip().lower()
    if not first:
        errors["first_name"] = "First name is required."
    elif len(first) > 150:
        errors["first_name"] = "First name is longer than 150 characters."
    if not last:
        errors["last_name"] = "Last name is required."
    elif len(last) > 150:
        errors["last_name"] = "Last name is longer than 150 characters."
    try:
        validate_email(email)
    except ValidationError:
        errors["email"] = f"'{values.email}' is not an email address."
    else:
        # Emails sign people in and receive reset links, so one account per address.
        taken = User.objects.filter(email__iexact=email) | User.objects.filter(
            username__iexact=email
        )
        if exclude_pk is not None:
            taken = taken.exclude(pk=exclude_pk)
        if taken.exists():
            errors["email"] = f"There is already an account for {email}."
    if values.role not in dict(STAFF_ROLES):
        errors["role"] = "Choose one of the school's roles."
    classes = set(values.class_ids)
    if classes:
        found = set(
            SchoolClass.objects.filter(school=school, pk__in=classes).values_list("pk", flat=True)
        )
        if found != classes:
            errors["classes"] = "Some of those classes are not this school's."
    if errors:
        raise ValidationError(errors)
    return StaffValues(first, last, email, values.role, frozenset(classes))


def _state(staff: User) -> dict[str, Any]:
    return {
        "first_name": staff.first_name,
        "last_name": staff.last_name,
        "email": staff.email,
        "role": staff.role,
        "is_active": staff.is_active,
        "classes": sorted(
            StaffAssignment.objects.filter(user=staff).values_list("school_class_id", flat=True)
        ),
    }


def _set_classes(staff: User, school: School, class_ids: Collection[int]) -> None:
    wanted = set(class_ids)
    have = set(StaffAssignment.objects.filter(user=staff).values_list("school_class_id", flat=True))
    StaffAssignment.objects.filter(user=staff, school_class_id__in=have - wanted).delete()
    StaffAssignment.objects.bulk_create(
        StaffAssignment(school=school, user=staff, school_class_id=pk)
        for pk in sorted(wanted - have)
    )


def set_password_link(staff: User, base_url: str) -> str:
    """A one-time link to set a password, valid for PASSWORD_RESET_TIMEOUT seconds."""
    uid = urlsafe_base64_encode(force_bytes(staff.pk))
    token = default_token_generator.make_token(staff)
    path = reverse("password_reset_confirm", kwargs={"uidb64": uid, "token": token})
    return base_url.rstrip("/") + path


def send_invitation(staff: User, *, base_url: str, invited_by: Any = None) -> None:
    """Email a new member of staff the link that sets their password and activates the account."""
    days = max(1, settings.PASSWORD_RESET_TIMEOUT // 86400)
    school = staff.school
    context = {
        "staff": staff,
        "school": school,
        "link": set_password_link(staff, base_url),
        "days": days,
        "invited_by": getattr(invited_by, "display_name", ""),
    }
    send_mail(
        subject=f"Your Trackwell account at {school}",
        message=render_to_string("accounts/emails/invitation.txt", context),
        from_email=None,
        recipient_list=[staff.email],
    )


def _check_admin_role(user: Any, *roles: str) -> None:
    # A leader trusted with people may not make admins (nor change one): only admins can.
    if getattr(user, "role", Role.ADMIN) != Role.ADMIN and Role.ADMIN in roles:
        raise ValidationError({"role": "Only a school admin can give or change the admin role."})


def create_staff(
    user: Any, school: School, values: StaffValues, *, base_url: str, invite: bool = True
) -> User:
    """Add a member of staff; they get an email with a one-time link to set their password."""
    clean = _clean(school, values)
    _check_admin_role(user, clean.role)
    if clean.class_ids and clean.role not in CLASS_ROLES:
        raise ValidationError(
            {"classes": "Only teachers and teaching assistants are given classes."}
        )
    with transaction.atomic():
        staff = User(
            username=clean.email,
            email=clean.email,
            first_name=clean.first_name,
            last_name=clean.last_name,
            role=clean.role,
            school=school,
            is_active=True,
        )
        # No password until they follow the link: nobody can sign in as them meanwhile.
        staff.set_unusable_password()
        staff.save()
        _set_classes(staff, school, clean.class_ids)
        log_action(school=school, user=user, action="staff.create", obj=staff, new=_state(staff))
        if invite:
            transaction.on_commit(
                lambda: send_invitation(staff, base_url=base_url, invited_by=user)
            )
    return staff


def update_staff(
    user: Any,
    school: School,
    staff: User,
    values: StaffValues,
    *,
    expected_version: int | None,
) -> list[str]:
    """Change a member of staff's name, email, role or classes; returns what changed."""
    if staff.school_id != school.pk:
        raise ValidationError({"staff": "That account is not at this school."})
    clean = _clean(school, values, exclude_pk=staff.pk)
    with transaction.atomic():
        current = User.objects.select_for_update().get(pk=staff.pk, school=school)
        before = _state(current)
        yours = {
            "first_name": clean.first_name,
            "last_name": clean.last_name,
            "email": clean.email,
            "role": clean.role,
        }
        check_version(current, expected_version, yours=yours, labels=LABELS, what="This account")
        _check_admin_role(user, current.role, clean.role)
        if current.pk == getattr(user, "pk", None) and clean.role != current.role:
            raise ValidationError({"role": "You cannot change your own role."})
        changed = [k for k, v in yours.items() if getattr(current, k) != v]
        for name in changed:
            setattr(current, name, yours[name])
        if "email" in changed:
            current.username = clean.email
        fields = changed + (["username"] if "email" in changed else [])
        save_versioned(current, fields)
        if set(before["classes"]) != set(clean.class_ids):
            _set_classes(current, school, clean.class_ids)
            changed.append("classes")
        if changed:
            after = _state(current)
            log_action(
                school=school,
                user=user,
                action="staff.update",
                obj=current,
                old={k: before[k] for k in changed},
                new={k: after[k] for k in changed},
            )
    staff.refresh_from_db()
    return changed


def end_sessions(staff: User) -> int:
    """Delete every live session of the user; returns how many were ended."""
    ended = []
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if str(session.get_decoded().get("_auth_user_id")) == str(staff.pk):
            ended.append(session.pk)
    Session.objects.filter(pk__in=ended).delete()
    return len(ended)


def set_active(user: Any, school: School, staff: User, *, active: bool) -> None:
    """Deactivate (signed out at once, cannot sign in) or reactivate an account."""
    if staff.school_id != school.pk:
        raise ValidationError({"staff": "That account is not at this school."})
    if not active and staff.pk == getattr(user, "pk", None):
        raise ValidationError({"staff": "You cannot deactivate your own account."})
    _check_admin_role(user, staff.role)
    with transaction.atomic():
        current = User.objects.select_for_update().get(pk=staff.pk, school=school)
        if current.is_active == active:
            return
        current.is_active = active
        save_versioned(current, ["is_active"])
        ended = 0 if active else end_sessions(current)
        log_action(
            school=school,
            user=user,
            action="staff.reactivate" if active else "staff.deactivate",
            obj=current,
            old={"is_active": not active},
            new={"is_active": active, **({"sessions_ended": ended} if not active else {})},
        )
    staff.refresh_from_db()
