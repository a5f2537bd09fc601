"""URLs of the API: version 1 under /api/v1/, the schema and its documentation."""

from django.urls import URLPattern, URLResolver, include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.permissions import AllowAny
from rest_framework.routers import SimpleRouter

from trackwell.api import web_views
from trackwell.api.problems import not_found
from trackwell.api.views import (
    analysis,
    curriculum,
    judgements,
    meetings,
    people,
    provision,
    scores,
)

app_name = "api"

router = SimpleRouter(trailing_slash=True, use_regex_path=False)
router.register("pupils", people.PupilViewSet, basename="pupil")
router.register("classes", people.ClassViewSet, basename="class")
router.register("enrolments", people.EnrolmentViewSet, basename="enrolment")
router.register("groups", people.GroupViewSet, basename="group")
router.register("staff", people.StaffViewSet, basename="staff")
router.register("years", people.YearViewSet, basename="year")
router.register("points", people.PointViewSet, basename="point")
router.register("subjects", curriculum.SubjectViewSet, basename="subject")
router.register("scales", curriculum.ScaleViewSet, basename="scale")
router.register("frameworks", curriculum.FrameworkViewSet, basename="framework")
router.register("strands", curriculum.StrandViewSet, basename="strand")
router.register("objectives", curriculum.ObjectiveViewSet, basename="objective")
router.register("judgements", judgements.JudgementViewSet, basename="judgement")
router.register("interventions", provision.InterventionViewSet, basename="intervention")
router.register("participants", provision.ParticipantViewSet, basename="participant")
router.register("measures", provision.MeasureViewSet, basename="measure")
router.register("tests", scores.TestViewSet, basename="test")
router.register("conversion-tables", scores.ConversionTableViewSet, basename="conversion-table")
router.register("results", scores.ResultViewSet, basename="result")
router.register("targets", scores.TargetViewSet, basename="target")
router.register("meetings", meetings.MeetingViewSet, basename="meeting")
router.register("decisions", meetings.DecisionViewSet, basename="decision")
router.register("actions", meetings.ActionViewSet, basename="action")

urlpatterns: list[URLPattern | URLResolver] = [
    # The API's shape is public (no data in it), so a developer can read it before a key.
    path(
        "schema/",
        SpectacularAPIView.as_view(permission_classes=[AllowAny], throttle_classes=[]),
        name="schema",
    ),
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(
            url_name="api:schema", permission_classes=[AllowAny], throttle_classes=[]
        ),
        name="docs",
    ),
    path("keys/", web_views.key_list, name="keys"),
    path("keys/<int:key_id>/revoke/", web_views.key_revoke, name="key-revoke"),
    path("v1/school/", people.school, name="school"),
    path("v1/pupils/sync/", people.pupil_sync, name="pupil-sync"),
    path("v1/figures/", analysis.figures, name="figures"),
    path("v1/figures/summary/", analysis.summary, name="figures-summary"),
    path("v1/gaps/", analysis.gaps, name="gaps"),
    path("v1/deletions/", meetings.deletions, name="deletions"),
    path("v1/trust/overview/", analysis.trust_overview, name="trust-overview"),
    path("v1/", include((router.urls, "v1"), namespace=None)),
    re_path(r"^(?P<path>.*)$", not_found, name="not-found"),
]
