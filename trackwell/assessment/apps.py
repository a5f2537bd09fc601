from django.apps import AppConfig


class AssessmentConfig(AppConfig):
    name = "trackwell.assessment"
    label = "assessment"
