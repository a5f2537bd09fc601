"""The access layer: the one place that decides what a user may see or change.

Every view gets scoped objects through these functions. Objects outside a
user's scope raise Http404, so their existence is not revealed; objects a user
may see but not change raise PermissionDenied (403).
"""

from typing import TYPE_CHECKING, Any

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from trackwell.accounts.models import Role, User
from trackwell.core.models import School, Trust
from trackwell.pupils.models import Pupil, SchoolClass, StaffAssignment

if TYPE_CHECKING:
    from django.db.models import Model

    from trackwell.curriculum.models import (
        Framework,
        Objective,
        RatingLevel,
        RatingScale,
        SharedFramework,
        Strand,
        Subject,
    )

WHOLE_SCHOOL_EDIT = {Role.ADMIN, Role.LEADER}
WHOLE_SCHOOL_READ = {Role.ADMIN, Role.LEADER, Role.SENCO}
# Roles that see aggregates only, never a pupil, a class or a grid.
AGGREGATES_ONLY = {Role.GOVERNOR, Role.TRUST_LEADER}
# Roles that never open a staff page: aggregates-only roles and parents, who see their own
# children through the family pages only (`get_child_for_parent` below).
NO_STAFF_PAGES = AGGREGATES_ONLY | {Role.PARENT}


def school_of(user: User) -> School:
    """Return the user's school for a staff page, or 404 (no school, or a parent)."""
    # Parents reach their children through the family pages only (`children_of`).
    if not user.is_authenticated or user.school_id is None or user.role == Role.PARENT:
        raise Http404("No school")
    assert user.school is not None
    return user.school


def school_id_of(user: User) -> int:
    """The user's school's id without reading the school, or 404 for accounts without one."""
    if not user.is_authenticated or user.school_id is None:
        raise Http404("No school")
    return user.school_id


def sees_pupils(user: User) -> bool:
    """Whether the user may open any pupil-level page."""
    return user.is_authenticated and user.school_id is not None and user.role not in NO_STAFF_PAGES


def visible_classes(user: User) -> QuerySet[SchoolClass]:
    """Classes whose pupils and grids the user may see."""
    if not sees_pupils(user):
        return SchoolClass.objects.none()
    qs = SchoolClass.objects.filter(school_id=school_id_of(user))
    if user.role in WHOLE_SCHOOL_READ:
        return qs
    mine = Q(pk__in=StaffAssignment.objects.filter(user=user).values("school_class_id"))
    if user.role == Role.TEACHER:
        # One query, whatever the school's setting (no separate read of the school).
        return qs.filter(Q(school__teachers_see_other_classes=True) | mine)
    return qs.filter(mine)


def editable_classes(user: User) -> QuerySet[SchoolClass]:
    """Classes whose grids the user may change."""
    if not sees_pupils(user):
        return SchoolClass.objects.none()
    qs = SchoolClass.objects.filter(school_id=school_id_of(user))
    if user.role in WHOLE_SCHOOL_EDIT:
        return qs
    if user.role == Role.TEACHER:
        return qs.filter(assignments__user=user)
    return qs.none()


def can_edit_class(user: User, school_class: SchoolClass) -> bool:
    """Whether the user may change judgements and coverage for this class."""
    if not sees_pupils(user) or school_class.school_id != user.school_id:
        return False
    if user.role in WHOLE_SCHOOL_EDIT:
        return True
    if user.role == Role.TEACHER:
        assigned = getattr(school_class, "user_is_assigned", None)  # from get_class_for_user
        if assigned is not None:
            return bool(assigned)
        return school_class.assignments.filter(user=user).exists()
    return False


def get_class_for_user(user: User, class_id: int, *, edit: bool = False) -> SchoolClass:
    """The class if the user may see it (404 otherwise); 403 when `edit` and read-only."""
    try:
        school_class = (
            visible_classes(user)
            .select_related("year", "school")
            .annotate(
                user_is_assigned=Exists(
                    StaffAssignment.objects.filter(school_class=OuterRef("pk"), user=user)
                )
            )
            .get(pk=class_id)
        )
    except SchoolClass.DoesNotExist as exc:
        raise Http404("No such class") from exc
    if edit and not can_edit_class(user, school_class):
        raise PermissionDenied("You can view this class but not change it.")
    return school_class


def visible_pupils(user: User) -> QuerySet[Pupil]:
    """Pupils the user may see."""
    if not sees_pupils(user):
        return Pupil.objects.none()
    if user.role in WHOLE_SCHOOL_READ:
        return Pupil.objects.filter(school_id=school_of(user).pk)
    return Pupil.objects.filter(classes__in=visible_classes(user)).distinct()


def get_pupil_for_user(user: User, pupil_id: int) -> Pupil:
    """The pupil if the user may see them, else 404."""
    try:
        return visible_pupils(user).get(pk=pupil_id)
    except Pupil.DoesNotExist as exc:
        raise Http404("No such pupil") from exc


# --- Special-category data (SEN, EHC plan, FSM, pupil premium, looked after) ---------------
# Shown, and filterable, only for those who need it: leaders, admins and SENCOs for
# every pupil; class teachers and teaching assistants for the pupils of their own classes.
SPECIAL_CATEGORY_SCHOOL_WIDE = {Role.ADMIN, Role.LEADER, Role.SENCO}
SPECIAL_CATEGORY_FIELDS = ("disadvantaged", "fsm", "sen_status", "looked_after")


def sees_special_category(user: User, school_class: SchoolClass | None = None) -> bool:
    """Whether the user may see special-category flags for the class's pupils.

    With no class: whether they may see them for every pupil of the school.
    """
    if not sees_pupils(user):
        return False
    if user.role in SPECIAL_CATEGORY_SCHOOL_WIDE:
        return True
    if school_class is None or school_class.school_id != user.school_id:
        return False
    if user.role not in {Role.TEACHER, Role.TA}:
        return False
    assigned = getattr(school_class, "user_is_assigned", None)  # from get_class_for_user
    if assigned is not None:
        return bool(assigned)
    return school_class.assignments.filter(user=user).exists()


def special_category_pupils(user: User) -> QuerySet[Pupil]:
    """Pupils whose special-category flags the user may see."""
    if not sees_pupils(user):
        return Pupil.objects.none()
    qs = Pupil.objects.filter(school_id=school_id_of(user))
    if user.role in SPECIAL_CATEGORY_SCHOOL_WIDE:
        return qs
    if user.role not in {Role.TEACHER, Role.TA}:
        return qs.none()
    mine = StaffAssignment.objects.filter(user=user).values("school_class_id")
    return qs.filter(enrolments__school_class_id__in=mine).distinct()


# Pupil filters (the grid's and any page's) that select by special-category data.
SPECIAL_CATEGORY_FILTERS = frozenset(
    {"disadvantaged", "not-disadvantaged", "fsm", "sen", "sen-support", "ehcp", "looked-after"}
)


def sees_special_category_for_pupil(user: User, pupil: Pupil) -> bool:
    """Whether the user may see this pupil's special-category flags."""
    if user.role in SPECIAL_CATEGORY_SCHOOL_WIDE:
        return sees_pupils(user) and pupil.school_id == user.school_id
    return special_category_pupils(user).filter(pk=pupil.pk).exists()


def can_manage_assessment(user: User) -> bool:
    """Whether the user may edit band rules and close or reopen assessment points."""
    return user.is_authenticated and user.school_id is not None and user.role in WHOLE_SCHOOL_EDIT


def sees_aggregates(user: User) -> bool:
    """Whether the user may open whole-school analysis pages."""
    return (
        user.is_authenticated
        and user.school_id is not None
        and user.role in WHOLE_SCHOOL_READ | {Role.GOVERNOR}
    )


def suppresses_small_groups(user: User) -> bool:
    """Whether aggregate views hide groups smaller than the school's minimum for this user."""
    return user.role in AGGREGATES_ONLY


# ---------------------------------------------------------------------------
# Trust leaders: they belong to a trust, not a school, and see its schools'
# aggregates (small groups suppressed) and its shared frameworks. Every other
# account answers 404 on trust pages, school leaders included: a school sees
# its own figures, not its neighbours'.


def is_trust_leader(user: User) -> bool:
    """Whether the user is a trust leader with a trust."""
    return (
        user.is_authenticated
        and user.role == Role.TRUST_LEADER
        and user.trust_id is not None
        and user.school_id is None
    )


def trust_of(user: User) -> Trust:
    """The trust a trust leader looks across, or 404 for everyone else."""
    if not is_trust_leader(user):
        raise Http404("No such page")
    assert user.trust is not None
    return user.trust


def trust_schools(user: User) -> QuerySet[School]:
    """The schools of the trust leader's trust, by name (404 for everyone else)."""
    return School.objects.filter(trust_id=trust_of(user).pk).order_by("name", "pk")


def get_trust_school_for_user(user: User, school_id: int) -> School:
    """A school of the trust leader's trust, else 404."""
    try:
        return trust_schools(user).get(pk=school_id)
    except School.DoesNotExist as exc:
        raise Http404("No such school") from exc


def get_trust_framework_for_user(user: User, framework_id: int) -> "Framework":
    """A framework of any school in the trust leader's trust (404 otherwise), to publish it."""
    from trackwell.curriculum.models import Framework

    try:
        return Framework.objects.select_related("school", "subject", "scale").get(
            pk=framework_id, school__trust_id=trust_of(user).pk
        )
    except Framework.DoesNotExist as exc:
        raise Http404("No such framework") from exc


# ---------------------------------------------------------------------------
# Curriculum: frameworks, strands, objectives and rating scales.
# Staff other than governors may read the school's curriculum; only leaders
# and admins may change it. Models are imported inside the functions so this
# module keeps no import-time dependency on the curriculum app.


def sees_curriculum(user: User) -> bool:
    """Whether the user may read the school's frameworks and rating scales."""
    return user.is_authenticated and user.school_id is not None and user.role not in NO_STAFF_PAGES


def can_manage_curriculum(user: User) -> bool:
    """Whether the user may change frameworks, objectives and rating scales."""
    return user.is_authenticated and user.school_id is not None and user.role in WHOLE_SCHOOL_EDIT


def curriculum_school(user: User, *, edit: bool = False) -> School:
    """The user's school for curriculum pages: 404 for governors, 403 when `edit` and read-only."""
    if not sees_curriculum(user):
        raise Http404("No such page")
    if edit and not can_manage_curriculum(user):
        raise PermissionDenied("You can view the curriculum but not change it.")
    return school_of(user)


def _curriculum_object(user: User, model: type["Model"], object_id: int, *, edit: bool) -> Any:
    school = curriculum_school(user)
    try:
        found = model._default_manager.get(pk=object_id, school_id=school.pk)
    except ObjectDoesNotExist as exc:
        raise Http404(f"No such {model._meta.verbose_name}") from exc
    # Only after the object is known to be the school's, so outsiders always get 404.
    curriculum_school(user, edit=edit)
    return found


def get_framework_for_user(user: User, framework_id: int, *, edit: bool = False) -> "Framework":
    """A framework of the user's school (404 otherwise); 403 when `edit` and read-only."""
    from trackwell.curriculum.models import Framework

    framework: Framework = _curriculum_object(user, Framework, framework_id, edit=edit)
    return framework


def get_strand_for_user(user: User, strand_id: int, *, edit: bool = False) -> "Strand":
    """A strand of the user's school (404 otherwise); 403 when `edit` and read-only."""
    from trackwell.curriculum.models import Strand

    strand: Strand = _curriculum_object(user, Strand, strand_id, edit=edit)
    return strand


def get_objective_for_user(user: User, objective_id: int, *, edit: bool = False) -> "Objective":
    """An objective of the user's school (404 otherwise); 403 when `edit` and read-only."""
    from trackwell.curriculum.models import Objective

    objective: Objective = _curriculum_object(user, Objective, objective_id, edit=edit)
    return objective


def get_scale_for_user(user: User, scale_id: int, *, edit: bool = False) -> "RatingScale":
    """A rating scale of the user's school (404 otherwise); 403 when `edit` and read-only."""
    from trackwell.curriculum.models import RatingScale

    scale: RatingScale = _curriculum_object(user, RatingScale, scale_id, edit=edit)
    return scale


def get_level_for_user(user: User, level_id: int, *, edit: bool = False) -> "RatingLevel":
    """A level of one of the school's scales (404 otherwise); 403 when `edit` and read-only."""
    from trackwell.curriculum.models import RatingLevel

    level: RatingLevel = _curriculum_object(user, RatingLevel, level_id, edit=edit)
    return level


def get_subject_for_user(user: User, subject_id: int, *, edit: bool = False) -> "Subject":
    """A subject of the user's school (404 otherwise); 403 when `edit` and read-only."""
    from trackwell.curriculum.models import Subject

    subject: Subject = _curriculum_object(user, Subject, subject_id, edit=edit)
    return subject


def get_shared_framework_for_user(user: User, shared_id: int) -> "SharedFramework":
    """A framework published by the user's trust (404 otherwise); adopting needs a manager."""
    from trackwell.curriculum.models import SharedFramework

    school = curriculum_school(user)
    try:
        shared = SharedFramework.objects.get(pk=shared_id, trust_id=school.trust_id or -1)
    except SharedFramework.DoesNotExist as exc:
        raise Http404("No such shared framework") from exc
    curriculum_school(user, edit=True)
    return shared


def get_pending_import_for_user(user: User, pending_id: int) -> Any:
    """An uploaded framework file of the user's school awaiting confirmation (managers only)."""
    from trackwell.interop.models import PendingImport

    pending = _curriculum_object(user, PendingImport, pending_id, edit=True)
    if pending.kind not in PendingImport.Kind.values:
        raise Http404("No such framework import")  # other imports have their own pages
    return pending


# ---------------------------------------------------------------------------
# Meetings: pupil progress review meetings, their decisions and actions.
# Leaders, admins and SENCOs see every meeting of the school; a teacher the
# meetings of their own classes; anyone else only meetings they attend.
# Governors and trust leaders see none: a meeting is about named pupils.
# Whoever sees a meeting may prepare and record it; scheduling is for leaders.


def visible_meetings(user: User) -> QuerySet[Any]:
    """Meetings the user may see (and so prepare and record)."""
    from trackwell.meetings.models import Meeting

    if not sees_pupils(user):
        return Meeting.objects.none()
    qs = Meeting.objects.filter(school_id=school_id_of(user))
    if user.role in WHOLE_SCHOOL_READ:
        return qs
    attending = Q(attendees__user=user)
    if user.role == Role.TEACHER:
        mine = StaffAssignment.objects.filter(user=user).values("school_class_id")
        return qs.filter(attending | Q(school_class_id__in=mine)).distinct()
    return qs.filter(attending).distinct()


def can_schedule_meetings(user: User) -> bool:
    """Whether the user may schedule, reschedule or cancel meetings."""
    return sees_pupils(user) and user.role in WHOLE_SCHOOL_EDIT


def get_meeting_for_user(user: User, meeting_id: int, *, schedule: bool = False) -> Any:
    """A meeting the user may see (404 otherwise); 403 when `schedule` and not a leader."""
    from trackwell.meetings.models import Meeting

    try:
        meeting = (
            visible_meetings(user)
            .select_related("point", "point__year", "school_class", "school_class__year", "school")
            .get(pk=meeting_id)
        )
    except Meeting.DoesNotExist as exc:
        raise Http404("No such meeting") from exc
    if schedule and not can_schedule_meetings(user):
        raise PermissionDenied("Only leaders schedule meetings.")
    return meeting


def visible_actions(user: User) -> QuerySet[Any]:
    """Meeting actions the user may see: those of meetings they see, and their own."""
    from trackwell.meetings.models import Action

    if not sees_pupils(user):
        return Action.objects.none()
    return Action.objects.filter(school_id=school_id_of(user)).filter(
        Q(meeting__in=visible_meetings(user)) | Q(owner=user)
    )


def get_action_for_user(user: User, action_id: int) -> Any:
    """A meeting action the user may see and update (404 otherwise)."""
    from trackwell.meetings.models import Action

    try:
        return visible_actions(user).select_related("meeting", "owner", "pupil").get(pk=action_id)
    except Action.DoesNotExist as exc:
        raise Http404("No such action") from exc


def sees_provision_collation(user: User) -> bool:
    """Whether the user may read every meeting's provision decisions across the school."""
    return sees_pupils(user) and user.role in SPECIAL_CATEGORY_SCHOOL_WIDE


# Provision: interventions, participants, sessions, classroom strategies.
# SENCOs, leaders and admins see and change all of the school's provision.
# Teachers see interventions for their classes' pupils and those they deliver,
# and change the ones they planned or deliver. Teaching assistants see the groups
# they deliver and record their sessions and values. Governors see anonymised
# summaries only. Models are imported inside the functions, as for the curriculum.

PROVISION_MANAGERS = {Role.ADMIN, Role.LEADER, Role.SENCO}


def manages_provision(user: User) -> bool:
    """Whether the user sees and changes all of the school's provision."""
    return sees_pupils(user) and user.role in PROVISION_MANAGERS


def sees_provision_summary(user: User) -> bool:
    """Whether the user may open the school's anonymised impact and cost summary."""
    return (
        user.is_authenticated
        and user.school_id is not None
        and user.role in PROVISION_MANAGERS | {Role.GOVERNOR}
    )


def visible_interventions(user: User) -> QuerySet[Any]:
    """Interventions whose pupils and details the user may see."""
    from trackwell.provision.models import Intervention, InterventionStaff, Participant

    if not sees_pupils(user):
        return Intervention.objects.none()
    qs = Intervention.objects.filter(school_id=school_id_of(user))
    if user.role in PROVISION_MANAGERS:
        return qs
    delivers = Exists(InterventionStaff.objects.filter(intervention=OuterRef("pk"), user=user))
    if user.role == Role.TEACHER:
        mine = StaffAssignment.objects.filter(user=user).values("school_class_id")
        for_my_pupils = Exists(
            Participant.objects.filter(
                intervention=OuterRef("pk"), pupil__enrolments__school_class_id__in=mine
            )
        )
        return qs.filter(delivers | for_my_pupils | Q(created_by=user))
    if user.role == Role.TA:
        return qs.filter(delivers)
    return qs.none()


def can_edit_intervention(user: User, intervention: Any) -> bool:
    """Whether the user may change an intervention's plan and its pupils."""
    if not sees_pupils(user) or intervention.school_id != user.school_id:
        return False
    if user.role in PROVISION_MANAGERS:
        return True
    if user.role == Role.TEACHER:
        return bool(
            intervention.created_by_id == user.pk or intervention.staff.filter(user=user).exists()
        )
    return False


def can_record_intervention(user: User, intervention: Any) -> bool:
    """Whether the user may record sessions, entry and exit values for an intervention."""
    if can_edit_intervention(user, intervention):
        return True
    return (
        sees_pupils(user)
        and intervention.school_id == user.school_id
        and user.role == Role.TA
        and intervention.staff.filter(user=user).exists()
    )


def get_intervention_for_user(
    user: User, intervention_id: int, *, edit: bool = False, record: bool = False
) -> Any:
    """An intervention the user may see (404 otherwise); 403 when `edit`/`record` is not theirs."""
    try:
        intervention = (
            visible_interventions(user).select_related("school", "subject").get(pk=intervention_id)
        )
    except ObjectDoesNotExist as exc:
        raise Http404("No such intervention") from exc
    if edit and not can_edit_intervention(user, intervention):
        raise PermissionDenied("You can view this intervention but not change it.")
    if record and not can_record_intervention(user, intervention):
        raise PermissionDenied("You can view this intervention but not record its sessions.")
    return intervention


def get_participant_for_user(
    user: User, participant_id: int, *, edit: bool = False, record: bool = False
) -> Any:
    """A pupil's place in an intervention the user may see (404 otherwise); 403 as above."""
    from trackwell.provision.models import Participant

    try:
        participant = Participant.objects.select_related("pupil", "intervention").get(
            pk=participant_id, intervention__in=visible_interventions(user)
        )
    except ObjectDoesNotExist as exc:
        raise Http404("No such pupil in an intervention") from exc
    if edit and not can_edit_intervention(user, participant.intervention):
        raise PermissionDenied("You can view this pupil's provision but not change it.")
    if record and not can_record_intervention(user, participant.intervention):
        raise PermissionDenied("You can view this pupil's provision but not record values.")
    return participant


def can_plan_provision_for_class(user: User, school_class: SchoolClass) -> bool:
    """Whether the user may start interventions and add strategies for a class's pupils."""
    if not sees_pupils(user) or school_class.school_id != user.school_id:
        return False
    if user.role in PROVISION_MANAGERS:
        return True
    return user.role == Role.TEACHER and can_edit_class(user, school_class)


def provision_school(user: User, *, manage: bool = False) -> School:
    """The school for provision pages: 404 for governors, 403 for `manage` by non-managers."""
    if not sees_pupils(user):
        raise Http404("No such page")
    if manage and not manages_provision(user):
        raise PermissionDenied("Only the SENCO and leaders manage the school's provision.")
    return school_of(user)


# Parents and carers (issue 12): a parent sees only the children linked to their
# contact rows by a live (unrevoked) link, through the family pages. Every staff
# page is 404 for them (`NO_STAFF_PAGES`). Staff manage families' contacts and
# invitations when they lead or run the school.


def is_parent(user: User) -> bool:
    """Whether the user is a parent or carer of the school."""
    return user.is_authenticated and user.role == Role.PARENT and user.school_id is not None


def children_of(user: User) -> QuerySet[Pupil]:
    """The parent's own children (live links only; none for anyone else)."""
    if not is_parent(user):
        return Pupil.objects.none()
    school_id = school_id_of(user)
    return (
        Pupil.objects.filter(
            school_id=school_id,
            family_links__contact__user=user,
            family_links__contact__school_id=school_id,
            family_links__revoked_at__isnull=True,
        )
        .distinct()
        .order_by("first_name", "last_name", "pk")
    )


def get_child_for_parent(user: User, pupil_id: int) -> Pupil:
    """One of the parent's own children, else 404 (another child, or a revoked link)."""
    try:
        return children_of(user).get(pk=pupil_id)
    except Pupil.DoesNotExist as exc:
        raise Http404("No such page") from exc


def can_manage_families(user: User) -> bool:
    """Whether the user may add contacts, invite parents, revoke links and set parent pages."""
    return sees_pupils(user) and user.role in WHOLE_SCHOOL_EDIT


def family_school(user: User) -> School:
    """The school for family settings pages: 404 for non-staff, 403 for staff who may not."""
    if not sees_pupils(user):
        raise Http404("No such page")
    if not can_manage_families(user):
        raise PermissionDenied("Only school leaders and admins manage families' access.")
    return school_of(user)


def get_pupil_for_family_admin(user: User, pupil_id: int) -> Pupil:
    """A pupil whose family contacts the user may manage (404 unseen, 403 read-only)."""
    pupil = get_pupil_for_user(user, pupil_id)
    family_school(user)
    return pupil


def get_contact_for_user(user: User, contact_id: int) -> Any:
    """A contact of the user's school that the user may manage (404 otherwise, 403 read-only)."""
    from trackwell.parents.models import Contact

    if not sees_pupils(user):
        raise Http404("No such contact")
    try:
        contact = Contact.objects.get(pk=contact_id, school_id=school_id_of(user))
    except Contact.DoesNotExist as exc:
        raise Http404("No such contact") from exc
    family_school(user)
    return contact


def get_child_link_for_user(user: User, link_id: int) -> Any:
    """A parent-child link of the user's school that the user may manage."""
    from trackwell.parents.models import ChildLink

    if not sees_pupils(user):
        raise Http404("No such link")
    try:
        link = ChildLink.objects.select_related("contact", "pupil").get(
            pk=link_id, school_id=school_id_of(user)
        )
    except ChildLink.DoesNotExist as exc:
        raise Http404("No such link") from exc
    family_school(user)
    return link


# ---------------------------------------------------------------------------
# Printed reports and the governors' pack (issue 12). Comments are written by
# whoever may edit the class's grid; reports are read by whoever may see the
# pupil; whole-school batches and report settings belong to leaders and admins.
# The governors' pack is an aggregate page: those who see the school overview.


def get_report_round_for_user(user: User, round_id: int, *, manage: bool = False) -> Any:
    """A report round of the user's school (404 for others and non-staff; 403 `manage`)."""
    from trackwell.printed.models import ReportRound

    if not sees_pupils(user):
        raise Http404("No such report")
    try:
        found = ReportRound.objects.select_related("point", "year").get(
            pk=round_id, school_id=school_id_of(user)
        )
    except ReportRound.DoesNotExist as exc:
        raise Http404("No such report") from exc
    if manage and user.role not in WHOLE_SCHOOL_EDIT:
        raise PermissionDenied("Only school leaders and admins change report rounds.")
    return found


def reports_school(user: User, *, manage: bool = False) -> School:
    """The school for report pages: 404 for non-staff, 403 when `manage` and not a leader."""
    if not sees_pupils(user):
        raise Http404("No such page")
    if manage and user.role not in WHOLE_SCHOOL_EDIT:
        raise PermissionDenied("Only school leaders and admins change report settings.")
    return school_of(user)


def get_report_batch_for_user(user: User, batch_id: int) -> Any:
    """A batch of the user's school whose class (or whole school) the user may see."""
    from trackwell.printed.models import ReportBatch

    if not sees_pupils(user):
        raise Http404("No such batch")
    try:
        batch = ReportBatch.objects.select_related("round", "school_class").get(
            pk=batch_id, school_id=school_id_of(user)
        )
    except ReportBatch.DoesNotExist as exc:
        raise Http404("No such batch") from exc
    if batch.school_class_id is None:
        if user.role not in WHOLE_SCHOOL_READ:
            raise Http404("No such batch")
    elif not visible_classes(user).filter(pk=batch.school_class_id).exists():
        raise Http404("No such batch")
    return batch


def governors_school(user: User) -> School:
    """The school for the governors' pack: those who see whole-school summaries, else 404."""
    if not sees_aggregates(user):
        raise Http404("No such page")
    return school_of(user)


def archive_school(user: User) -> School:
    """The school whose whole data archive the user may download: school admins only."""
    if not sees_pupils(user):
        raise Http404("No such page")
    if user.role != Role.ADMIN:
        raise PermissionDenied("Only the school's admin exports all of its data.")
    return school_of(user)


# ---------------------------------------------------------------------------
# Security and privacy: sign-in help for a school's accounts, the school's security
# policy (admins change it, leaders read it) and subject access exports (leaders,
# admins and SENCOs, for any pupil of their school, leavers included).


def security_school(user: User, *, edit: bool = False) -> School:
    """The school whose security settings the user may read (404 off-school, 403 read-only)."""
    school = school_of(user)
    if user.role not in WHOLE_SCHOOL_EDIT:
        raise PermissionDenied("Only admins and senior leaders see the security settings.")
    if edit and user.role != Role.ADMIN:
        raise PermissionDenied("Only school admins change the security settings.")
    return school


def get_school_account_for_user(user: User, account_id: int) -> User:
    """Another account of the admin's school (404 for any other), for unlocking and MFA reset."""
    school = school_of(user)
    try:
        account = User.objects.select_related("school").get(
            pk=account_id, school=school, api_key__isnull=True
        )
    except User.DoesNotExist:
        raise Http404("No such account") from None
    security_school(user, edit=True)
    return account


def can_export_subject_access(user: User) -> bool:
    return user.is_authenticated and user.school_id is not None and user.role in WHOLE_SCHOOL_READ


def get_subject_access_pupil_for_user(user: User, pupil_id: int) -> Pupil:
    """Any pupil of the user's school for a subject access export (403 for other staff)."""
    school = school_of(user)
    try:
        pupil = Pupil.objects.get(pk=pupil_id, school=school)
    except Pupil.DoesNotExist:
        raise Http404("No such pupil") from None
    if not can_export_subject_access(user):
        raise PermissionDenied("Subject access exports are for leaders, admins and SENCOs.")
    return pupil


# ---------------------------------------------------------------------------
# People, classes, years and rollover (issue 8): school admins manage them, and
# senior leaders too where the school's setting allows. Everyone else gets 404
# on these pages, so the pages are not revealed to them.


def can_manage_people(user: User) -> bool:
    """Whether the user may manage staff, pupils, classes, groups, years and imports."""
    if not user.is_authenticated or user.school_id is None:
        return False
    if user.role == Role.ADMIN:
        return True
    if user.role == Role.LEADER:
        assert user.school is not None
        return user.school.leaders_manage_people
    return False


def people_school(user: User) -> School:
    """The user's school for people-management pages, or 404 for everyone who may not."""
    if not can_manage_people(user):
        raise Http404("No such page")
    return school_of(user)


def _managed(user: User, model: type["Model"], object_id: int) -> Any:
    school = people_school(user)
    try:
        return model._default_manager.get(pk=object_id, school_id=school.pk)
    except ObjectDoesNotExist as exc:
        raise Http404(f"No such {model._meta.verbose_name}") from exc


def managed_staff(user: User) -> QuerySet[User]:
    """Staff accounts of the manager's school (404 for everyone else).

    An API key's own account is not a member of staff: it is managed (and
    revoked) on the API keys page only.
    """
    return User.objects.filter(school_id=people_school(user).pk, api_key__isnull=True)


def get_staff_for_user(user: User, staff_id: int) -> User:
    """A staff account of the manager's school, else 404."""
    try:
        return managed_staff(user).get(pk=staff_id)
    except User.DoesNotExist as exc:
        raise Http404("No such member of staff") from exc


def get_managed_pupil_for_user(user: User, pupil_id: int) -> Pupil:
    """A pupil (on roll or left) of the manager's school, for editing; else 404."""
    pupil: Pupil = _managed(user, Pupil, pupil_id)
    return pupil


def get_managed_class_for_user(user: User, class_id: int) -> SchoolClass:
    """A class of the manager's school, for editing its staff and pupils; else 404."""
    try:
        return SchoolClass.objects.select_related("year").get(
            pk=class_id, school_id=people_school(user).pk
        )
    except SchoolClass.DoesNotExist as exc:
        raise Http404("No such class") from exc


def get_managed_group_for_user(user: User, group_id: int) -> Any:
    """A school-defined pupil group of the manager's school; else 404."""
    from trackwell.pupils.models import PupilGroup

    return _managed(user, PupilGroup, group_id)


def get_managed_year_for_user(user: User, year_id: int) -> Any:
    """An academic year of the manager's school; else 404."""
    from trackwell.core.models import AcademicYear

    return _managed(user, AcademicYear, year_id)


def get_managed_point_for_user(user: User, point_id: int) -> Any:
    """An assessment point of the manager's school; else 404."""
    from trackwell.core.models import AssessmentPoint

    return _managed(user, AssessmentPoint, point_id)


# --- Imports (MIS pupils, OneRoster, CTF and every kind on the import pipeline) ------------
# People managers (school admins, and leaders where the school allows) manage imports.


def imports_school(user: User, kind: str | None = None) -> School:
    """The school whose imports (of `kind`, if given) the user manages, else 404."""
    if kind is not None:
        from trackwell.interop.models import PendingImport
        from trackwell.interop.pipeline import REGISTRY, load_kinds

        load_kinds()
        # Framework imports keep their own pages under Curriculum (get_pending_import_for_user).
        import_kind = REGISTRY.get(kind) if kind not in PendingImport.Kind.values else None
        manage = import_kind.manage if import_kind is not None else None
        if import_kind is None or not (manage or can_manage_people)(user):
            raise Http404("No such import")
        return school_of(user)
    if not can_manage_people(user):
        raise Http404("No imports here")
    return school_of(user)


def get_import_for_user(user: User, pending_id: int) -> Any:
    """A pending import of the user's school of a kind they manage, else 404."""
    from trackwell.interop.models import PendingImport

    if not user.is_authenticated or user.school_id is None:
        raise Http404("No such import")
    try:
        pending = PendingImport.objects.select_related("school").get(
            pk=pending_id, school_id=user.school_id
        )
    except PendingImport.DoesNotExist as exc:
        raise Http404("No such import") from exc
    imports_school(user, pending.kind)
    return pending


# ---------------------------------------------------------------------------
# Tests and scores, targets, prior attainment and points (the scores app).
# Leaders and admins define tests, conversion tables, thresholds and points;
# teachers enter results, targets and progress judgements for their own
# classes (through get_class_for_user(..., edit=True)); other staff read;
# governors see aggregates only.


def sees_tests(user: User) -> bool:
    """Whether the user may read the school's tests, tables and thresholds."""
    return user.is_authenticated and user.school_id is not None and user.role not in NO_STAFF_PAGES


def can_manage_tests(user: User) -> bool:
    """Whether the user may define tests, conversion tables, thresholds and points."""
    return user.is_authenticated and user.school_id is not None and user.role in WHOLE_SCHOOL_EDIT


def scores_school(user: User, *, edit: bool = False) -> School:
    """The user's school for test pages: 404 for governors, 403 when `edit` and read-only."""
    if not sees_tests(user):
        raise Http404("No such page")
    if edit and not can_manage_tests(user):
        raise PermissionDenied("You can view the school's tests but not change them.")
    return school_of(user)


def _scores_object(user: User, model: type["Model"], object_id: int, *, edit: bool) -> Any:
    school_id = school_id_of(user) if sees_tests(user) else None
    if school_id is None:
        raise Http404("No such page")
    try:
        found = model._default_manager.get(pk=object_id, school_id=school_id)
    except ObjectDoesNotExist as exc:
        raise Http404(f"No such {model._meta.verbose_name}") from exc
    scores_school(user, edit=edit)
    return found


def get_test_for_user(user: User, test_id: int, *, edit: bool = False) -> Any:
    """A test of the user's school (404 otherwise); 403 when `edit` and not a leader."""
    from trackwell.scores.models import Test

    try:
        if not sees_tests(user):
            raise Test.DoesNotExist
        test = Test.objects.select_related("subject", "table", "thresholds", "point").get(
            pk=test_id, school_id=school_id_of(user)
        )
    except Test.DoesNotExist as exc:
        raise Http404("No such test") from exc
    scores_school(user, edit=edit)
    return test


def get_test_aggregates_for_user(user: User, test_id: int) -> Any:
    """A test of the user's school for its whole-school figures (governors too), else 404."""
    from trackwell.scores.models import Test

    if not (sees_aggregates(user) or sees_tests(user)):
        raise Http404("No such test")
    try:
        return Test.objects.select_related("subject", "table", "thresholds").get(
            pk=test_id, school_id=school_id_of(user)
        )
    except Test.DoesNotExist as exc:
        raise Http404("No such test") from exc


def get_conversion_table_for_user(user: User, table_id: int, *, edit: bool = False) -> Any:
    """A conversion table of the user's school (404 otherwise); 403 when `edit` and read-only."""
    from trackwell.scores.models import ConversionTable

    return _scores_object(user, ConversionTable, table_id, edit=edit)


def get_threshold_set_for_user(user: User, set_id: int, *, edit: bool = False) -> Any:
    """A threshold set of the user's school (404 otherwise); 403 when `edit` and read-only."""
    from trackwell.scores.models import ThresholdSet

    return _scores_object(user, ThresholdSet, set_id, edit=edit)
