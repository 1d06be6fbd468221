from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "communard.web.records"
    label = "records"
    verbose_name = "Record"
