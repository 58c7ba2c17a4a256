"""Creates (or with --drop, drops) this run's session and user tables with Django's own schema editor."""
from django.contrib.sessions.models import Session
from django.core.management.base import BaseCommand
from django.db import connection

from djproject.models import User


class Command(BaseCommand):
    def add_arguments(self, parser):
        parser.add_argument("--drop", action="store_true")

    def handle(self, *args, **options):
        existing = set(connection.introspection.table_names())
        with connection.schema_editor() as editor:
            for model in (Session, User):
                there = model._meta.db_table in existing
                if options["drop"] and there:
                    editor.delete_model(model)
                elif not options["drop"] and not there:
                    editor.create_model(model)
