"""The access layer: the one place that decides what a user may see or change.

Every view gets scoped objects through these functions. Objects outside a
user's scope raise Http404, so their existence is not revealed; objects a user
may see but not change raise PermissionDenied (403).

The rules live in one module per area (``base`` for schools, classes, pupils and
special-category data; then ``trust``, ``curriculum``, ``meetings``, ``provision``,
``family``, ``printed``, ``security``, ``people`` and ``scores``); this package
gathers them so callers keep writing ``access.get_class_for_user(...)``.
"""

from .base import (
    AGGREGATES_ONLY as AGGREGATES_ONLY,
)
from .base import (
    NO_STAFF_PAGES as NO_STAFF_PAGES,
)
from .base import (
    SPECIAL_CATEGORY_FIELDS as SPECIAL_CATEGORY_FIELDS,
)
from .base import (
    SPECIAL_CATEGORY_FILTERS as SPECIAL_CATEGORY_FILTERS,
)
from .base import (
    SPECIAL_CATEGORY_SCHOOL_WIDE as SPECIAL_CATEGORY_SCHOOL_WIDE,
)
from .base import (
    WHOLE_SCHOOL_EDIT as WHOLE_SCHOOL_EDIT,
)
from .base import (
    WHOLE_SCHOOL_READ as WHOLE_SCHOOL_READ,
)
from .base import (
    can_edit_class as can_edit_class,
)
from .base import (
    can_manage_assessment as can_manage_assessment,
)
from .base import (
    editable_classes as editable_classes,
)
from .base import (
    get_class_for_user as get_class_for_user,
)
from .base import (
    get_pupil_for_user as get_pupil_for_user,
)
from .base import (
    school_id_of as school_id_of,
)
from .base import (
    school_of as school_of,
)
from .base import (
    sees_aggregates as sees_aggregates,
)
from .base import (
    sees_pupils as sees_pupils,
)
from .base import (
    sees_special_category as sees_special_category,
)
from .base import (
    sees_special_category_for_pupil as sees_special_category_for_pupil,
)
from .base import (
    special_category_pupils as special_category_pupils,
)
from .base import (
    suppresses_small_groups as suppresses_small_groups,
)
from .base import (
    visible_classes as visible_classes,
)
from .base import (
    visible_pupils as visible_pupils,
)
from .curriculum import (
    can_manage_curriculum as can_manage_curriculum,
)
from .curriculum import (
    curriculum_school as curriculum_school,
)
from .curriculum import (
    get_framework_for_user as get_framework_for_user,
)
from .curriculum import (
    get_level_for_user as get_level_for_user,
)
from .curriculum import (
    get_objective_for_user as get_objective_for_user,
)
from .curriculum import (
    get_pending_import_for_user as get_pending_import_for_user,
)
from .curriculum import (
    get_scale_for_user as get_scale_for_user,
)
from .curriculum import (
    get_shared_framework_for_user as get_shared_framework_for_user,
)
from .curriculum import (
    get_strand_for_user as get_strand_for_user,
)
from .curriculum import (
    get_subject_for_user as get_subject_for_user,
)
from .curriculum import (
    sees_curriculum as sees_curriculum,
)
from .family import (
    can_manage_families as can_manage_families,
)
from .family import (
    children_of as children_of,
)
from .family import (
    family_school as family_school,
)
from .family import (
    get_child_for_parent as get_child_for_parent,
)
from .family import (
    get_child_link_for_user as get_child_link_for_user,
)
from .family import (
    get_contact_for_user as get_contact_for_user,
)
from .family import (
    get_pupil_for_family_admin as get_pupil_for_family_admin,
)
from .family import (
    is_parent as is_parent,
)
from .meetings import (
    can_schedule_meetings as can_schedule_meetings,
)
from .meetings import (
    get_action_for_user as get_action_for_user,
)
from .meetings import (
    get_meeting_for_user as get_meeting_for_user,
)
from .meetings import (
    sees_provision_collation as sees_provision_collation,
)
from .meetings import (
    visible_actions as visible_actions,
)
from .meetings import (
    visible_meetings as visible_meetings,
)
from .people import (
    can_manage_people as can_manage_people,
)
from .people import (
    get_import_for_user as get_import_for_user,
)
from .people import (
    get_managed_class_for_user as get_managed_class_for_user,
)
from .people import (
    get_managed_group_for_user as get_managed_group_for_user,
)
from .people import (
    get_managed_point_for_user as get_managed_point_for_user,
)
from .people import (
    get_managed_pupil_for_user as get_managed_pupil_for_user,
)
from .people import (
    get_managed_year_for_user as get_managed_year_for_user,
)
from .people import (
    get_staff_for_user as get_staff_for_user,
)
from .people import (
    imports_school as imports_school,
)
from .people import (
    managed_staff as managed_staff,
)
from .people import (
    people_school as people_school,
)
from .printed import (
    archive_school as archive_school,
)
from .printed import (
    get_report_batch_for_user as get_report_batch_for_user,
)
from .printed import (
    get_report_round_for_user as get_report_round_for_user,
)
from .printed import (
    governors_school as governors_school,
)
from .printed import (
    reports_school as reports_school,
)
from .provision import (
    PROVISION_MANAGERS as PROVISION_MANAGERS,
)
from .provision import (
    can_edit_intervention as can_edit_intervention,
)
from .provision import (
    can_plan_provision_for_class as can_plan_provision_for_class,
)
from .provision import (
    can_record_intervention as can_record_intervention,
)
from .provision import (
    get_intervention_for_user as get_intervention_for_user,
)
from .provision import (
    get_participant_for_user as get_participant_for_user,
)
from .provision import (
    manages_provision as manages_provision,
)
from .provision import (
    provision_school as provision_school,
)
from .provision import (
    sees_provision_summary as sees_provision_summary,
)
from .provision import (
    visible_interventions as visible_interventions,
)
from .scores import (
    can_manage_tests as can_manage_tests,
)
from .scores import (
    get_conversion_table_for_user as get_conversion_table_for_user,
)
from .scores import (
    get_test_aggregates_for_user as get_test_aggregates_for_user,
)
from .scores import (
    get_test_for_user as get_test_for_user,
)
from .scores import (
    get_threshold_set_for_user as get_threshold_set_for_user,
)
from .scores import (
    scores_school as scores_school,
)
from .scores import (
    sees_tests as sees_tests,
)
from .security import (
    can_export_subject_access as can_export_subject_access,
)
from .security import (
    get_school_account_for_user as get_school_account_for_user,
)
from .security import (
    get_subject_access_pupil_for_user as get_subject_access_pupil_for_user,
)
from .security import (
    security_school as security_school,
)
from .trust import (
    get_trust_framework_for_user as get_trust_framework_for_user,
)
from .trust import (
    get_trust_school_for_user as get_trust_school_for_user,
)
from .trust import (
    is_trust_leader as is_trust_leader,
)
from .trust import (
    trust_of as trust_of,
)
from .trust import (
    trust_schools as trust_schools,
)
