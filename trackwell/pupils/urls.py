"""Management pages for pupils, classes, groups and data out (mounted at people/)."""

from django.urls import path

from trackwell.pupils.views import class_views, export_views, group_views, pupil_views

urlpatterns = [
    path("pupils/", pupil_views.pupil_list, name="people-pupils"),
    path("pupils/add/", pupil_views.pupil_add, name="people-pupil-add"),
    path("pupils/<int:pupil_id>/", pupil_views.pupil_edit, name="people-pupil"),
    path("pupils/<int:pupil_id>/left/", pupil_views.pupil_leave, name="people-pupil-leave"),
    path("classes/", class_views.class_list, name="people-classes"),
    path("classes/add/", class_views.class_add, name="people-class-add"),
    path("classes/<int:class_id>/", class_views.class_edit, name="people-class"),
    path("classes/<int:class_id>/move/", class_views.class_move, name="people-class-move"),
    path("classes/<int:class_id>/enrol/", class_views.class_enrol, name="people-class-enrol"),
    path("classes/<int:class_id>/remove/", class_views.class_remove, name="people-class-remove"),
    path("groups/", group_views.group_list, name="people-groups"),
    path("groups/add/", group_views.group_add, name="people-group-add"),
    path("groups/<int:group_id>/", group_views.group_edit, name="people-group"),
    path("groups/<int:group_id>/delete/", group_views.group_delete, name="people-group-delete"),
    path("export/", export_views.export_page, name="people-export"),
    path("export/<slug:kind>.<slug:fmt>", export_views.export_file, name="people-export-file"),
]
