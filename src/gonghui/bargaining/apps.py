from django.apps import AppConfig


class BargainingConfig(AppConfig):
    name = "gonghui.bargaining"
    label = "bargaining"
    verbose_name = "集体协商"
    default_auto_field = "django.db.models.BigAutoField"
