from django.apps import AppConfig


class CurriculumConfig(AppConfig):
    name = "trackwell.curriculum"
    label = "curriculum"
