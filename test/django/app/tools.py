"""
What real Django writes, for the byte-for-byte tests: reads one JSON request per line on stdin
and answers one JSON line each. Requests: {"op": "dumps", "obj", "salt", "compress", "time"},
{"op": "loads", "text", "salt", "max_age"}, {"op": "encode", "data", "engine"},
{"op": "decode", "text", "engine"}, {"op": "pickle", "obj"}, {"op": "unpickle", "b64"},
{"op": "auth_hash", "password", "secret"}, {"op": "json", "obj"}.
Settings (keys) come from the same environment variables as the test project.
"""
import base64
import json
import os
import pickle
import sys
import time
from unittest import mock

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "djproject.settings")
import django  # noqa: E402

django.setup()
from django.core import signing  # noqa: E402
from django.core.cache.backends.redis import RedisSerializer  # noqa: E402
from django.utils.crypto import salted_hmac  # noqa: E402
from importlib import import_module  # noqa: E402


def answer(req):
    op = req["op"]
    if op == "dumps":
        with mock.patch.object(time, "time", return_value=req.get("time", time.time())):
            return signing.dumps(req["obj"], salt=req["salt"], compress=req.get("compress", False))
    if op == "loads":
        try:
            return {"ok": signing.loads(req["text"], salt=req["salt"], max_age=req.get("max_age"))}
        except signing.BadSignature as e:
            return {"error": type(e).__name__}
    if op == "encode":
        store = import_module("django.contrib.sessions.backends." + req["engine"]).SessionStore()
        with mock.patch.object(time, "time", return_value=req.get("time", time.time())):
            return store.encode(req["data"])
    if op == "decode":
        store = import_module("django.contrib.sessions.backends." + req["engine"]).SessionStore()
        return store.decode(req["text"])
    if op == "pickle":
        return base64.b64encode(RedisSerializer().dumps(req["obj"])).decode()
    if op == "unpickle":
        return RedisSerializer().loads(base64.b64decode(req["b64"]))
    if op == "auth_hash":
        key_salt = "django.contrib.auth.models.AbstractBaseUser.get_session_auth_hash"
        return salted_hmac(key_salt, req["password"], secret=req.get("secret"), algorithm="sha256").hexdigest()
    if op == "json":
        return signing.JSONSerializer().dumps(req["obj"]).decode("latin-1")
    raise ValueError(op)


for line in sys.stdin:
    try:
        print(json.dumps({"result": answer(json.loads(line))}), flush=True)
    except Exception as e:  # an error is an answer too: the test shows it
        print(json.dumps({"error": repr(e)}), flush=True)
