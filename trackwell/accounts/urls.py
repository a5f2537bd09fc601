"""Staff pages (mounted at people/staff/) for those who manage the school's people."""

from django.urls import path

from trackwell.accounts import staff_views

urlpatterns = [
    path("", staff_views.staff_list, name="people-staff"),
    path("add/", staff_views.staff_add, name="people-staff-add"),
    path("<int:staff_id>/", staff_views.staff_edit, name="people-staff-edit"),
    path("<int:staff_id>/active/", staff_views.staff_active, name="people-staff-active"),
    path("<int:staff_id>/invite/", staff_views.staff_invite, name="people-staff-invite"),
]
