"""The schedule's appointment chip, built in Python: a week view holds hundreds of them, and a
template include per chip was most of the page's time."""

from __future__ import annotations

from django import template
from django.utils.dateformat import format as format_date
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from stageflow.scheduling.models import Appointment

register = template.Library()


def _time_span(appointment: Appointment) -> SafeString:
    if appointment.start_time is None:
        return SafeString("")
    end = f"–{appointment.end_time:%H:%M}" if appointment.end_time else ""
    return format_html('<span class="chip-time">{}{}</span> ',
                       f"{appointment.start_time:%H:%M}", end)


def _date_line(appointment: Appointment) -> SafeString:
    promised = ""
    if appointment.promised_from and appointment.promised_to:
        promised = " · " + _("promised %(first)s–%(last)s") % {
            "first": format_date(appointment.promised_from, "j M"),
            "last": format_date(appointment.promised_to, "j M")}
    return format_html('<small class="chip-date">{}{}</small>',
                       format_date(appointment.date, "D j M"), promised)


def _badge(appointment: Appointment) -> SafeString:
    if appointment.status == Appointment.Status.ROLLED_OVER:
        return format_html('<span class="badge badge-warning">{}</span>', _("rolled over"))
    if appointment.status == Appointment.Status.COMPLETED:
        return format_html('<span class="badge">{}</span>', _("done"))
    return SafeString("")


@register.simple_tag
def appointment_chip(appointment: Appointment, appointments_root: str,
                     show_date: bool = False) -> SafeString:
    """One draggable appointment: its time, title and customer, linked to its page."""
    url = f"{appointments_root}{appointment.pk}/"
    colour = (format_html(' data-colour="{}"', appointment.route.colour)
              if appointment.route_id and appointment.route else "")
    parts = [
        _time_span(appointment),
        format_html('<small class="chip-customer">{}</small>', appointment.account)
        if appointment.account_id else SafeString(""),
        _date_line(appointment) if show_date else SafeString(""),
        _badge(appointment),
    ]
    return format_html(
        '<li class="chip status-{}" id="appointment-{}" data-assign-url="{}assign/" '
        'data-version="{}"{}>\n  <a href="{}">{}{}</a>\n  {}</li>',
        appointment.status, appointment.pk, url, appointment.version, colour, url, parts[0],
        appointment.title, format_html_join("\n  ", "{}", ((part,) for part in parts[1:]
                                                          if part)))
