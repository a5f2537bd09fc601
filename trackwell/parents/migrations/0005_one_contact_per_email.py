"""One email, one contact of a school, kept by the database.

Before this, two contact rows of one school could hold one email (a parent
entered once for each child, or in another case, before imports settled shared
emails in the preview). Rows of one email are merged into the oldest when that
is safe: the same names (case and spacing aside) and at most one parent account
between them. Their children's links move to it (a link to a child the oldest
already has is folded into that link, with its invitations); the oldest keeps
its phone, or takes one; it takes the account if it has none. Each merge is
in the audit log (`contact.merge`, the rows merged and the one kept).

Rows of one email with other names, or with two parent accounts, are two people
(or two sign-ins) the school must settle: the migration stops and names them
(give each their own email, or blank one, on the pupils' family pages).
"""

from django.db import migrations, models
from django.db.models.functions import Lower


def _key(contact):
    return (
        " ".join(contact.first_name.split()).casefold(),
        " ".join(contact.last_name.split()).casefold(),
    )


def merge_shared_emails(apps, schema_editor):
    Contact = apps.get_model("parents", "Contact")
    ChildLink = apps.get_model("parents", "ChildLink")
    Invitation = apps.get_model("parents", "Invitation")
    AuditEntry = apps.get_model("accounts", "AuditEntry")
    groups = {}
    for contact in Contact.objects.exclude(email="").order_by("pk"):
        groups.setdefault((contact.school_id, contact.email.lower()), []).append(contact)
    shared = {k: v for k, v in groups.items() if len(v) > 1}
    unsafe = []
    for (school_id, email), contacts in sorted(shared.items()):
        names = {_key(c) for c in contacts}
        accounts = {c.user_id for c in contacts if c.user_id is not None}
        if len(names) > 1 or len(accounts) > 1:
            who = ", ".join(
                f"{c.first_name} {c.last_name} (contact {c.pk}"
                + (", has a parent account)" if c.user_id else ")")
                for c in contacts
            )
            unsafe.append(f"school {school_id}: {email} is held by {who}")
    if unsafe:
        raise RuntimeError(
            "Some emails are held by more than one contact of a school, with other names or "
            "parent accounts, so they cannot be merged safely: "
            + "; ".join(unsafe)
            + ". Give each contact their own email (or blank one) on the pupils' family "
            "pages, then migrate again."
        )
    for (school_id, email), contacts in shared.items():
        keeper, others = contacts[0], contacts[1:]
        AuditEntry.objects.create(
            school_id=school_id,
            action="contact.merge",
            object_type="parents.Contact",
            object_id=str(keeper.pk),
            old={"contacts": [c.pk for c in contacts], "emails": [c.email for c in contacts]},
            new={"contact": keeper.pk, "email": email, "reason": "one email, one contact"},
        )
        live = {
            link.pupil_id: link
            for link in ChildLink.objects.filter(contact=keeper, revoked_at__isnull=True)
        }
        for other in others:
            for link in ChildLink.objects.filter(contact=other).order_by("pk"):
                kept = live.get(link.pupil_id) if link.revoked_at is None else None
                if kept is not None:
                    # The child is the keeper's already: one link, with both's invitations.
                    Invitation.objects.filter(link=link).update(link=kept)
                    link.delete()
                    continue
                link.contact = keeper
                link.save(update_fields=["contact"])
                if link.revoked_at is None:
                    live[link.pupil_id] = link
            keeper.phone = keeper.phone or other.phone
            keeper.user_id = keeper.user_id or other.user_id
            other.delete()
        keeper.email = email
        keeper.save(update_fields=["email", "phone", "user"])
    if schema_editor.connection.vendor == "postgresql":
        # Deferred foreign key checks run now, before the table gains its index.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


class Migration(migrations.Migration):
    dependencies = [
        ("parents", "0004_childlink_parental_responsibility"),
        ("accounts", "0003_audit_log_append_only"),
    ]

    operations = [
        migrations.RunPython(merge_shared_emails, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="contact",
            constraint=models.UniqueConstraint(
                models.F("school"),
                Lower("email"),
                condition=~models.Q(email=""),
                name="one_contact_per_email",
            ),
        ),
    ]
