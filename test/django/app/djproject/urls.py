from django.urls import path

from djproject import views

urlpatterns = [
    path("", views.login, name="login"),
    path("home/", views.home, name="home"),
    path("logout/", views.logout, name="logout"),
    path("t/session/", views.session_view),
    path("t/users/", views.create_user),
    path("t/users/<str:username>/", views.user_view),
    path("t/login/", views.auth_login),
    path("t/logout/", views.auth_logout),
    path("t/password/", views.set_password),
]
