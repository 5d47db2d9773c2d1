"""The one seam through which the product reads the time, so tests can control it."""

from datetime import datetime

from django.utils import timezone


def now() -> datetime:
    return timezone.now()
