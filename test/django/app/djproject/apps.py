from django.apps import AppConfig
from django.conf import settings


class DjprojectConfig(AppConfig):
    name = "djproject"

    def ready(self):
        # The tests share one PostgreSQL and one MariaDB with other test runs: each run gets its
        # own session table by suffixing the name the real Session model queries. Nothing else
        # about the model (columns, types, backend code) changes.
        from django.contrib.sessions.models import Session

        if settings.TABLE_SUFFIX:
            Session._meta.db_table = "django_session" + settings.TABLE_SUFFIX
