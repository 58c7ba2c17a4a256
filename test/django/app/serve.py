"""
Serves the Django project with Django's own development server machinery (the one runserver
uses, threaded) on 127.0.0.1 and a free port, then prints "LISTENING <port>" for the test.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "djproject.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.core.servers.basehttp import WSGIRequestHandler, WSGIServer, get_internal_wsgi_application  # noqa: E402
import socketserver  # noqa: E402


class Quiet(WSGIRequestHandler):
    def log_message(self, *args):
        pass


class Server(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True


call_command("create_tables")  # the users (every engine) and the session table (db, cached_db)
httpd = Server(("127.0.0.1", 0), Quiet)
httpd.set_app(get_internal_wsgi_application())
print("LISTENING", httpd.server_address[1], flush=True)
httpd.serve_forever()
