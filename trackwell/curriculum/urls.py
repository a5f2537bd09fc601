"""URLs of this area, included at /curriculum/ from trackwell/urls.py."""

from django.urls import URLPattern, URLResolver, path

from trackwell.interop import views as interop_views

from . import scale_views, sharing_views, views

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.index, name="curriculum-index"),
    path("subjects/new/", views.subject_new, name="curriculum-subject-new"),
    path("subjects/<int:subject_id>/", views.subject_edit, name="curriculum-subject-edit"),
    path("frameworks/new/", views.framework_new, name="curriculum-framework-new"),
    path("frameworks/<int:framework_id>/", views.framework_detail, name="curriculum-framework"),
    path(
        "frameworks/<int:framework_id>/edit/",
        views.framework_edit,
        name="curriculum-framework-edit",
    ),
    path(
        "frameworks/<int:framework_id>/history/",
        views.framework_history,
        name="curriculum-framework-history",
    ),
    path(
        "frameworks/<int:framework_id>/strands/new/",
        views.strand_new,
        name="curriculum-strand-new",
    ),
    path(
        "frameworks/<int:framework_id>/reorder/",
        views.framework_reorder,
        name="curriculum-framework-reorder",
    ),
    path(
        "frameworks/<int:framework_id>/merge/",
        views.framework_merge,
        name="curriculum-framework-merge",
    ),
    path(
        "frameworks/<int:framework_id>/scale/",
        scale_views.framework_scale,
        name="curriculum-framework-scale",
    ),
    path(
        "frameworks/<int:framework_id>/export.csv",
        views.export_framework_csv,
        name="curriculum-framework-csv",
    ),
    path(
        "frameworks/<int:framework_id>/case.json",
        views.export_framework_case,
        name="curriculum-framework-case",
    ),
    path(
        "frameworks/<int:framework_id>/publish/",
        sharing_views.framework_publish,
        name="curriculum-framework-publish",
    ),
    path(
        "frameworks/<int:framework_id>/update/",
        sharing_views.framework_update,
        name="curriculum-framework-update",
    ),
    path("strands/<int:strand_id>/", views.strand_edit, name="curriculum-strand-edit"),
    path("strands/<int:strand_id>/move/", views.strand_move, name="curriculum-strand-move"),
    path("strands/<int:strand_id>/delete/", views.strand_delete, name="curriculum-strand-delete"),
    path(
        "strands/<int:strand_id>/objectives/new/",
        views.objective_new,
        name="curriculum-objective-new",
    ),
    path("objectives/<int:objective_id>/", views.objective_edit, name="curriculum-objective-edit"),
    path(
        "objectives/<int:objective_id>/move/",
        views.objective_move,
        name="curriculum-objective-move",
    ),
    path(
        "objectives/<int:objective_id>/remove/",
        views.objective_remove,
        name="curriculum-objective-remove",
    ),
    path(
        "objectives/<int:objective_id>/restore/",
        views.objective_restore,
        name="curriculum-objective-restore",
    ),
    path(
        "objectives/<int:objective_id>/split/",
        views.objective_split,
        name="curriculum-objective-split",
    ),
    path("scales/new/", scale_views.scale_new, name="curriculum-scale-new"),
    path("scales/<int:scale_id>/", scale_views.scale_detail, name="curriculum-scale"),
    path("scales/<int:scale_id>/edit/", scale_views.scale_edit, name="curriculum-scale-edit"),
    path("scales/<int:scale_id>/levels/new/", scale_views.level_new, name="curriculum-level-new"),
    path("levels/<int:level_id>/", scale_views.level_edit, name="curriculum-level-edit"),
    path(
        "levels/<int:level_id>/descriptor/",
        scale_views.level_descriptor,
        name="curriculum-level-descriptor",
    ),
    path("levels/<int:level_id>/move/", scale_views.level_move, name="curriculum-level-move"),
    path("levels/<int:level_id>/delete/", scale_views.level_delete, name="curriculum-level-delete"),
    path("library/", sharing_views.library, name="curriculum-library"),
    path("library/adopt/", sharing_views.library_adopt, name="curriculum-library-adopt"),
    path("trust/", sharing_views.trust_frameworks, name="curriculum-trust"),
    path("trust/publish/", sharing_views.trust_publish, name="curriculum-trust-publish"),
    path("trust/<int:shared_id>/adopt/", sharing_views.trust_adopt, name="curriculum-trust-adopt"),
    path("import/", interop_views.upload, name="curriculum-import"),
    path("import/<int:pending_id>/", interop_views.preview, name="curriculum-import-preview"),
]
