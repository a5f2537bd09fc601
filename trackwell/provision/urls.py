"""URLs of the provision app."""

from django.urls import URLPattern, URLResolver, path

from trackwell.provision.views import delivery, interventions, maps, senco

app_name = "provision"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", maps.school_map, name="map"),
    path("years/<int:nc_year>/", maps.year_map, name="year-map"),
    path("classes/<int:class_id>/", maps.class_map, name="class-map"),
    path("classes/<int:class_id>/strategies/", delivery.strategies, name="strategies"),
    path("classes/<int:class_id>/strategies/add/", delivery.add_strategy, name="strategy-add"),
    path(
        "classes/<int:class_id>/gaps/<slug:subject_slug>/",
        interventions.from_gap,
        name="from-gap",
    ),
    path("trust/", maps.trust_map, name="trust"),
    path("interventions/new/", interventions.new, name="intervention-new"),
    path("interventions/<int:intervention_id>/", interventions.detail, name="intervention"),
    path("interventions/<int:intervention_id>/edit/", interventions.edit, name="intervention-edit"),
    path(
        "interventions/<int:intervention_id>/pupils/add/",
        interventions.add_pupil,
        name="participant-add",
    ),
    path(
        "interventions/<int:intervention_id>/session/",
        delivery.record_session,
        name="session",
    ),
    path(
        "interventions/<int:intervention_id>/<slug:name>/",
        interventions.action,
        name="intervention-action",
    ),
    path("participants/<int:participant_id>/", interventions.participant, name="participant"),
    path("mine/", delivery.my_groups, name="mine"),
    path("senco/", senco.senco, name="senco"),
    path("budget/", senco.budget, name="budget"),
    path("summary/", senco.summary, name="summary"),
    path("measures/", senco.measures, name="measures"),
    path("pupils/<int:pupil_id>/history/", senco.pupil_history, name="pupil-history"),
    path("import/", senco.import_map, name="import"),
]
