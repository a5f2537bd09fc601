from django.apps import AppConfig


class PupilsConfig(AppConfig):
    name = "trackwell.pupils"
    label = "pupils"
