"""URLs of this area, included from trackwell/urls.py."""

from django.urls import URLPattern, URLResolver, path

from . import (
    band_editor,
    band_io,
    band_set_views,
    confirm_views,
    exports,
    gap_views,
    point_views,
    trust_views,
    views,
)

urlpatterns: list[URLPattern | URLResolver] = [
    path("school/overview/", views.school_overview, name="report-school"),
    path("school/groups/", views.group_comparison, name="report-groups"),
    path("trust/overview/", trust_views.overview, name="report-trust"),
    path(
        "trust/schools/<int:school_id>/overview/",
        trust_views.school_overview,
        name="report-trust-school",
    ),
    path("trust/groups/", trust_views.groups, name="report-trust-groups"),
    path(
        "school/gaps/<int:nc_year>/<slug:subject_slug>/",
        gap_views.year_gaps,
        name="report-year-gaps",
    ),
    path(
        "school/gaps/<int:nc_year>/<slug:subject_slug>/group/",
        gap_views.year_gap_group,
        name="report-year-gap-group",
    ),
    path("classes/<int:class_id>/overview/", views.class_overview, name="report-class"),
    path(
        "classes/<int:class_id>/gaps/<slug:subject_slug>/",
        gap_views.class_gaps,
        name="report-class-gaps",
    ),
    path(
        "classes/<int:class_id>/gaps/<slug:subject_slug>/group/",
        gap_views.class_gap_group,
        name="report-class-gap-group",
    ),
    path(
        "classes/<int:class_id>/bands/<slug:subject_slug>/",
        confirm_views.confirm_bands,
        name="report-confirm",
    ),
    path("pupils/<int:pupil_id>/", views.pupil_page, name="report-pupil"),
    path("pupils/<int:pupil_id>/tracking/", views.pupil_tracking, name="report-pupil-tracking"),
    path("points/", point_views.points, name="report-points"),
    path("points/<int:point_id>/close/", point_views.close_point, name="report-point-close"),
    path(
        "points/<int:point_id>/close/confirm/",
        point_views.close_confirm,
        name="report-point-close-confirm",
    ),
    path("points/<int:point_id>/reopen/", point_views.reopen_point, name="report-point-reopen"),
    path(
        "points/<int:point_id>/differences/",
        point_views.differences,
        name="report-point-differences",
    ),
    path("bands/", band_set_views.band_sets, name="report-band-sets"),
    # Exports of every table (issue 12): the same figures as the page, as CSV or XLSX.
    path(
        "classes/<int:class_id>/grid/<slug:subject_slug>/export/<str:fmt>/",
        exports.grid_export,
        name="grid-export",
    ),
    path(
        "classes/<int:class_id>/overview/export/<str:fmt>/",
        exports.class_overview_export,
        name="report-class-export",
    ),
    path(
        "classes/<int:class_id>/gaps/<slug:subject_slug>/export/<str:fmt>/",
        exports.class_gaps_export,
        name="report-class-gaps-export",
    ),
    path(
        "school/overview/export/<str:fmt>/",
        exports.school_overview_export,
        name="report-school-export",
    ),
    path("school/groups/export/<str:fmt>/", exports.groups_export, name="report-groups-export"),
    path(
        "school/gaps/<int:nc_year>/<slug:subject_slug>/export/<str:fmt>/",
        exports.year_gaps_export,
        name="report-year-gaps-export",
    ),
    path("bands/defaults/", band_set_views.band_defaults, name="report-band-defaults"),
    path("bands/import/", band_io.band_import, name="report-band-import"),
    path("bands/new/", band_set_views.band_set_new, name="report-band-set-new"),
    path("bands/starting-points/", band_set_views.starting_points, name="report-starting-points"),
    path(
        "bands/starting-points/<int:sp_id>/remove/",
        band_set_views.starting_point_remove,
        name="report-starting-point-remove",
    ),
    path("bands/<int:set_id>/", band_editor.band_set_edit, name="report-band-set"),
    path("bands/<int:set_id>/export/", band_io.band_export, name="report-band-export"),
    path(
        "bands/<int:set_id>/delete/", band_set_views.band_set_delete, name="report-band-set-delete"
    ),
    path(
        "bands/<int:set_id>/active/", band_set_views.band_set_active, name="report-band-set-active"
    ),
]
