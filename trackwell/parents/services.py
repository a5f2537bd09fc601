"""Writes of the parents app: contacts, links, invitations, revocation, settings and releases.

Every write runs in a transaction and leaves an audit entry.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone

from trackwell.accounts.models import Role, User, log_action
from trackwell.core.models import AssessmentPoint, School
from trackwell.core.versioning import locked_for_edit, save_versioned
from trackwell.pupils.models import Pupil

from .models import ChildLink, Contact, Invitation, ParentRelease, ParentSettings, secret_hash

INVITATION_DAYS = 30
# No 0/O, 1/I/L: a printed code is read and typed by hand.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 12


def _code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, CODE_LENGTH, 4))


@dataclass(frozen=True)
class NewInvitation:
    """An invitation just made, with its secret (shown or sent once, never stored)."""

    invitation: Invitation
    secret: str


def settings_for(school: School) -> ParentSettings:
    """The school's parent settings, created with the defaults when missing."""
    found, _ = ParentSettings.objects.get_or_create(school=school)
    return found


def add_contact(
    *,
    user: User | None,
    pupil: Pupil,
    first_name: str,
    last_name: str,
    email: str = "",
    phone: str = "",
    relationship: str = "",
    parental_responsibility: bool | None = None,
) -> ChildLink:
    """A new contact for a pupil (or the school's contact with this email), linked to the pupil.

    An email another contact of the school holds links that contact only when the
    names agree too; with another name it is refused, never linked.
    """
    first_name, last_name, email = first_name.strip(), last_name.strip(), email.strip().lower()
    if not first_name or not last_name:
        raise ValidationError("Give the parent or carer's first and last names.")
    if len(email) > 254:
        raise ValidationError("An email address is at most 254 characters.")
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise ValidationError(
                f"{email} is not an email address: check it, or leave it empty."
            ) from None
    with transaction.atomic():
        contact = None
        if email:
            contact = (
                Contact.objects.filter(school_id=pupil.school_id, email__iexact=email)
                .order_by("pk")
                .first()
            )
        if contact is not None and not same_name(contact, first_name, last_name):
            raise ValidationError(
                f"{email} is the email of {contact.full_name}, another contact of the school, "
                f"not of {first_name} {last_name}: check the email."
            )
        if contact is None:
            try:
                with transaction.atomic():
                    contact = Contact.objects.create(
                        school_id=pupil.school_id,
                        first_name=first_name[:100],
                        last_name=last_name[:100],
                        email=email,
                        phone=phone.strip()[:40],
                    )
            except IntegrityError:  # one email, one contact: added by someone else just now
                raise ValidationError(
                    f"{email} was just given to another contact of the school: try again."
                ) from None
            log_action(
                school=pupil.school,
                user=user,
                action="contact.create",
                obj=contact,
                new={"name": contact.full_name, "email": email},
            )
        return link_contact(
            user=user,
            contact=contact,
            pupil=pupil,
            relationship=relationship,
            parental_responsibility=parental_responsibility,
        )


def same_name(contact: Contact, first_name: str, last_name: str) -> bool:
    """Whether a contact has these names (case and spacing aside)."""

    def key(first: str, last: str) -> tuple[str, str]:
        return (" ".join(first.split()).casefold(), " ".join(last.split()).casefold())

    return key(contact.first_name, contact.last_name) == key(first_name, last_name)


def link_contact(
    *,
    user: User | None,
    contact: Contact,
    pupil: Pupil,
    relationship: str = "",
    parental_responsibility: bool | None = None,
) -> ChildLink:
    """Link a contact the school already has to one more child (audited)."""
    if contact.school_id != pupil.school_id:
        raise ValidationError("That contact belongs to another school.")
    with transaction.atomic():
        if ChildLink.objects.filter(contact=contact, pupil=pupil, revoked_at__isnull=True).exists():
            raise ValidationError(f"{contact.full_name} is already linked to {pupil.full_name}.")
        link = ChildLink.objects.create(
            school_id=pupil.school_id,
            contact=contact,
            pupil=pupil,
            relationship=relationship.strip()[:60],
            parental_responsibility=parental_responsibility,
            created_by=user,
        )
        log_action(
            school=pupil.school,
            user=user,
            action="family.link",
            obj=link,
            new={"contact": contact.pk, "pupil": pupil.pk, "relationship": link.relationship},
        )
    return link


CONTACT_FIELDS = ("first_name", "last_name", "email", "phone")
LINK_FIELDS = ("relationship", "parental_responsibility")


def update_imported_contact(
    *, user: User | None, link: ChildLink, values: dict[str, Any]
) -> ChildLink:
    """A contact's details and their link to the child as an import gives them (audited).

    Only the fields in `values` change; accounts are never made here (the school invites).
    """
    unknown = set(values) - set(CONTACT_FIELDS) - set(LINK_FIELDS)
    if unknown:
        raise ValidationError(f"Unknown contact fields: {', '.join(sorted(unknown))}.")
    with transaction.atomic():
        link = (
            ChildLink.objects.select_for_update().select_related("contact", "pupil").get(pk=link.pk)
        )
        if link.revoked_at is not None:
            raise ValidationError(f"{link.contact.full_name}'s link to the child was revoked.")
        contact = Contact.objects.select_for_update().get(pk=link.contact_id)
        email = str(values.get("email", contact.email)).strip().lower()
        if (
            email
            and email != contact.email
            and Contact.objects.filter(school_id=contact.school_id, email__iexact=email)
            .exclude(pk=contact.pk)
            .exists()
        ):
            raise ValidationError(f"Another contact of the school has the email {email}.")
        old = {n: getattr(contact, n) for n in CONTACT_FIELDS if n in values}
        old |= {n: getattr(link, n) for n in LINK_FIELDS if n in values}
        limits = {"first_name": 100, "last_name": 100, "email": 254, "phone": 40}
        for name in CONTACT_FIELDS:
            if name in values:
                setattr(contact, name, str(values[name]).strip()[: limits[name]])
        contact.email = contact.email.lower()
        if not contact.first_name or not contact.last_name:
            raise ValidationError("Give the parent or carer's first and last names.")
        contact.save(update_fields=list(CONTACT_FIELDS))
        if "relationship" in values:
            link.relationship = str(values["relationship"]).strip()[:60]
        if "parental_responsibility" in values:
            link.parental_responsibility = values["parental_responsibility"]
        link.save(update_fields=list(LINK_FIELDS))
        log_action(
            school=link.pupil.school,
            user=user,
            action="contact.update",
            obj=contact,
            old=old,
            new=values,
        )
    return link


def _invite(user: User, link: ChildLink, kind: str, secret: str) -> Invitation:
    if not link.is_live:
        raise ValidationError("This link has been revoked; add the contact again to invite them.")
    invitation = Invitation.objects.create(
        school_id=link.school_id,
        link=link,
        kind=kind,
        secret_hash=secret_hash(secret),
        created_by=user,
        expires_at=timezone.now() + timedelta(days=INVITATION_DAYS),
    )
    log_action(
        school=link.pupil.school,
        user=user,
        action=f"family.invite.{kind}",
        obj=invitation,
        new={"link": link.pk, "expires": invitation.expires_at.isoformat()},
    )
    return invitation


def print_code(*, user: User, link: ChildLink) -> NewInvitation:
    """A one-time code for one child, to print and give to the family."""
    with transaction.atomic():
        code = _code()
        return NewInvitation(_invite(user, link, Invitation.Kind.CODE, code), code)


def email_invitation(*, user: User, link: ChildLink, accept_url_for: Any) -> NewInvitation:
    """Email the contact a link to set up their account; `accept_url_for(token)` builds the URL."""
    if not link.contact.email:
        raise ValidationError(f"{link.contact.full_name} has no email address; print a code.")
    with transaction.atomic():
        token = secrets.token_urlsafe(32)
        made = NewInvitation(_invite(user, link, Invitation.Kind.EMAIL, token), token)
    school = link.pupil.school
    send_mail(
        subject=f"{school.name}: see how {link.pupil.first_name} is getting on",
        message=(
            f"Dear {link.contact.full_name},\n\n"
            f"{school.name} would like to share {link.pupil.first_name}'s learning with you "
            "in Trackwell. Open this link to choose a password and sign in:\n\n"
            f"{accept_url_for(token)}\n\n"
            f"The link works once and for {INVITATION_DAYS} days. If you were not expecting "
            "this email, you can ignore it.\n"
        ),
        from_email=None,
        recipient_list=[link.contact.email],
    )
    return made


def find_invitation(secret: str) -> Invitation | None:
    """A usable invitation for this token or code (unused, unexpired, link still live)."""
    if not secret or len(secret) > 100:
        return None
    return (
        Invitation.objects.select_related("link__contact", "link__pupil__school")
        .filter(
            secret_hash=secret_hash(secret),
            used_at__isnull=True,
            revoked_at__isnull=True,
            expires_at__gt=timezone.now(),
            link__revoked_at__isnull=True,
        )
        .first()
    )


class WrongCode(ValidationError):
    """No live invitation has this code or token (counted by the join page's throttle)."""


def accept_invitation(
    *, secret: str, user: User | None, username: str = "", password: str = ""
) -> User:
    """Use an invitation: link the child to a signed-in parent, or create the parent's account.

    Raises ValidationError with a clear message for a wrong, used or expired code.
    """
    with transaction.atomic():
        invitation = find_invitation(secret)
        if invitation is None:
            raise WrongCode(
                "That code or link does not work: it may have been used already, have "
                "expired or been withdrawn. Please ask the school for a new one."
            )
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if invitation.used_at is not None:
            raise ValidationError("That code has just been used. Please ask the school.")
        contact = invitation.link.contact
        school = invitation.link.pupil.school
        if user is not None and user.is_authenticated:
            if user.role != Role.PARENT or user.school_id != school.pk:
                raise ValidationError(
                    "Sign out first: this code is for a parent or carer's account at "
                    f"{school.name}."
                )
            parent = user
        else:
            username = username.strip().lower()
            if not username or len(username) > 150:
                raise ValidationError("Choose a username (your email address works well).")
            if User.objects.filter(username__iexact=username).exists():
                raise ValidationError(
                    "That username is taken. If it is yours, sign in first and then enter the code."
                )
            parent = User(
                username=username,
                first_name=contact.first_name,
                last_name=contact.last_name,
                email=contact.email or (username if "@" in username else ""),
                role=Role.PARENT,
                school=school,
            )
            from django.contrib.auth.password_validation import validate_password

            validate_password(password, parent)
            parent.set_password(password)
            try:
                with transaction.atomic():
                    parent.save()
            except IntegrityError as exc:
                raise ValidationError("That username is taken.") from exc
        if contact.user_id not in (None, parent.pk):
            raise ValidationError(
                "This code belongs to another parent's account. Please ask the school."
            )
        if contact.user_id is None:
            contact.user = parent
            contact.save(update_fields=["user"])
        invitation.used_at = timezone.now()
        invitation.used_by = parent
        invitation.save(update_fields=["used_at", "used_by"])
        log_action(
            school=school,
            user=parent,
            action="family.invite.accept",
            obj=invitation,
            new={"contact": contact.pk, "pupil": invitation.link.pupil_id, "user": parent.pk},
        )
    return parent


def revoke_link(*, user: User, link: ChildLink) -> ChildLink:
    """End a parent's access to a child at once, and withdraw its unused invitations."""
    with transaction.atomic():
        link = ChildLink.objects.select_for_update().get(pk=link.pk)
        if link.revoked_at is not None:
            return link
        now = timezone.now()
        link.revoked_at = now
        link.revoked_by = user
        link.save(update_fields=["revoked_at", "revoked_by"])
        Invitation.objects.filter(link=link, used_at__isnull=True, revoked_at__isnull=True).update(
            revoked_at=now
        )
        log_action(
            school=link.pupil.school,
            user=user,
            action="family.revoke",
            obj=link,
            old={"live": True},
            new={"live": False},
        )
    return link


SETTINGS_FLAGS = (
    "show_learning",
    "show_strengths",
    "show_next_steps",
    "show_support",
    "show_support_need",
    "show_home_help",
    "show_comments",
)


def update_settings(
    *,
    user: User,
    school: School,
    expected_version: int | None,
    welcome: str,
    flags: dict[str, bool],
    home_help: dict[str, str],
    band_words: dict[str, str],
) -> ParentSettings:
    """Change what parents see and the words they read (version-checked, audited)."""
    settings_for(school)
    yours: dict[str, Any] = {"welcome": welcome, **flags, "home_help": home_help}
    yours["band_words"] = band_words
    labels = {
        "welcome": "Welcome text",
        "home_help": "How to help at home",
        "band_words": "Words for parents",
        **{f: ParentSettings.flag_label(f).capitalize() for f in flags},
    }
    with transaction.atomic():
        found = ParentSettings.objects.filter(school=school).get()
        current = locked_for_edit(
            ParentSettings.objects.filter(school=school),
            found.pk,
            expected_version,
            yours=yours,
            labels=labels,
            what="The settings for parents' pages",
        )
        old = {k: getattr(current, k) for k in yours}
        for key, value in yours.items():
            setattr(current, key, value)
        save_versioned(current, list(yours))
        log_action(
            school=school, user=user, action="family.settings", obj=current, old=old, new=yours
        )
    return current


def release_point(*, user: User, point: AssessmentPoint) -> ParentRelease:
    """Share an assessment point's results and comments with parents."""
    with transaction.atomic():
        release, created = ParentRelease.objects.get_or_create(
            point=point, defaults={"school_id": point.school_id, "released_by": user}
        )
        if created:
            log_action(school=point.school, user=user, action="family.release", obj=point, new=True)
    return release


def withdraw_release(*, user: User, point: AssessmentPoint) -> None:
    """Stop showing an assessment point to parents."""
    with transaction.atomic():
        deleted, _ = ParentRelease.objects.filter(point=point).delete()
        if deleted:
            log_action(
                school=point.school, user=user, action="family.withdraw", obj=point, old=True
            )
