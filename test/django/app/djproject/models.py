import os

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.db import models


class UserManager(BaseUserManager):
    def create_user(self, username, password):
        user = self.model(username=username)
        user.set_password(password)
        user.save(using=self._db)
        return user


class User(AbstractBaseUser):
    """A minimal user (no groups or permissions tables): what login() and get_user() need."""

    username = models.CharField(max_length=150, unique=True)
    USERNAME_FIELD = "username"
    objects = UserManager()

    class Meta:
        db_table = "djproject_user" + os.environ.get("DJ_TABLE_SUFFIX", "")
