"""
Settings of the Django project that cloakroom's interop tests run beside the TypeScript apps.
Everything that must match the TypeScript side comes from the environment:

  DJANGO_SECRET_KEY, DJANGO_SECRET_KEY_FALLBACKS (comma-separated)
  DJ_SESSION_ENGINE   db | cache | cached_db | signed_cookies
  DJ_DATABASE         sqlite:PATH | postgres://user@host:port/db | mysql://user@host:port/db
  DJ_TABLE_SUFFIX     appended to the session and user tables (tests share the servers)
  DJ_REDIS_URL        the Redis cache's LOCATION; DJ_CACHE_PREFIX its KEY_PREFIX
  DJ_COOKIE_AGE       SESSION_COOKIE_AGE (default two weeks)
"""
import os
from urllib.parse import urlparse

try:  # mysqlclient is not installed: PyMySQL stands in for it (Django's mysql backend imports MySQLdb)
    import pymysql

    pymysql.version_info = (2, 2, 1, "final", 0)  # Django checks mysqlclient's version
    pymysql.install_as_MySQLdb()
except ImportError:
    pass

BASE_DIR = os.path.dirname(os.path.abspath(__file__))
SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]
SECRET_KEY_FALLBACKS = [k for k in os.environ.get("DJANGO_SECRET_KEY_FALLBACKS", "").split(",") if k]
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
USE_TZ = True
TIME_ZONE = "UTC"
ROOT_URLCONF = "djproject.urls"
WSGI_APPLICATION = "djproject.wsgi.application"
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"

INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "djproject",
]
AUTH_USER_MODEL = "djproject.User"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]

MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
]
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [os.path.join(BASE_DIR, "templates")],
        "OPTIONS": {"context_processors": ["django.template.context_processors.csrf"]},
    }
]


def _database(url):
    if url.startswith("sqlite:"):
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": url[len("sqlite:"):]}
    u = urlparse(url)
    engine = {"postgres": "postgresql", "postgresql": "postgresql", "mysql": "mysql", "mariadb": "mysql"}[u.scheme]
    db = {
        "ENGINE": "django.db.backends." + engine,
        "NAME": u.path.lstrip("/"),
        "USER": u.username or "",
        "PASSWORD": u.password or "",
        "HOST": u.hostname or "127.0.0.1",
        "PORT": str(u.port or ""),
    }
    if engine == "mysql":
        db["OPTIONS"] = {"charset": "utf8mb4"}
    return db


ENGINE = os.environ.get("DJ_SESSION_ENGINE", "db")
DATABASES = {"default": _database(os.environ.get("DJ_DATABASE", "sqlite:" + os.path.join(BASE_DIR, "unused.sqlite3")))}
if os.environ.get("DJ_REDIS_URL"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["DJ_REDIS_URL"],
            "KEY_PREFIX": os.environ.get("DJ_CACHE_PREFIX", ""),
        }
    }
SESSION_ENGINE = "django.contrib.sessions.backends." + ENGINE
SESSION_COOKIE_AGE = int(os.environ.get("DJ_COOKIE_AGE", str(60 * 60 * 24 * 7 * 2)))
TABLE_SUFFIX = os.environ.get("DJ_TABLE_SUFFIX", "")

LOGGING = {
    "version": 1,
    "handlers": {"stderr": {"class": "logging.StreamHandler"}},
    "loggers": {"django.security": {"handlers": ["stderr"], "level": "WARNING"}},
}
