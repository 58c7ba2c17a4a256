import json
from datetime import datetime

from django.contrib import auth
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt

from djproject.models import User


# ---- the seed's views, exactly ------------------------------------------------------------


def login(request):
    if request.method == "POST":
        username = request.POST.get("username")
        request.session["username"] = username
        return redirect("home")
    return render(request, "index.html")


def home(request):
    username = request.session.get("username", "Guest")
    return render(request, "home.html", {"username": username})


def logout(request):
    request.session.flush()
    return redirect("login")


# ---- test-only views (JSON, CSRF-exempt): what the scenarios read and write ---------------


def _state(request):
    s = request.session
    return {
        "session_key": s.session_key,
        "data": dict(s.items()),
        "expiry_age": s.get_expiry_age(),
        "expire_at_browser_close": s.get_expire_at_browser_close(),
        "user": request.user.get_username() if request.user.is_authenticated else None,
    }


@csrf_exempt
def session_view(request):
    """GET: the session and login state. POST {set, delete, expiry, cycle}: changes it first."""
    if request.method == "POST":
        body = json.loads(request.body or b"{}")
        for key, value in body.get("set", {}).items():
            request.session[key] = value
        for key in body.get("delete", []):
            request.session.pop(key, None)
        if "expiry" in body:
            expiry = body["expiry"]
            if isinstance(expiry, str):
                expiry = datetime.fromisoformat(expiry)
            request.session.set_expiry(expiry)
        if body.get("cycle"):
            request.session.cycle_key()
    return JsonResponse(_state(request))


@csrf_exempt
def create_user(request):
    body = json.loads(request.body)
    user = User.objects.create_user(body["username"], body["password"])
    return JsonResponse({"id": user.pk, "password": user.password})


@csrf_exempt
def auth_login(request):
    body = json.loads(request.body)
    user = auth.authenticate(request, username=body["username"], password=body["password"])
    if user is None:
        return JsonResponse({"ok": False}, status=403)
    auth.login(request, user)
    return JsonResponse(_state(request))


@csrf_exempt
def auth_logout(request):
    auth.logout(request)
    return JsonResponse(_state(request))


@csrf_exempt
def set_password(request):
    """Changes a password the way an admin would: every session of that user stops verifying."""
    body = json.loads(request.body)
    user = User.objects.get(username=body["username"])
    user.set_password(body["password"])
    user.save()
    return JsonResponse({"password": user.password})


def user_view(request, username):
    user = User.objects.get(username=username)
    return JsonResponse({"id": user.pk, "password": user.password})
