from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "trackwell.accounts"
    label = "accounts"
