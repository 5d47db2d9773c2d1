"""Lead and opportunity screens. Both kinds share every view; the URL passes the kind."""

from django.urls import URLPattern, path, re_path

from stageflow.web.records import develop, intake, overview, views
from stageflow.web.records.kinds import KINDS

app_name = "records"


def _routes(key: str, slug: str) -> list[URLPattern]:
    kind = {"kind": key}
    one = f"{slug}/<int:record_id>"
    routes = [
        path(f"{slug}/", overview.record_list, kind, name=f"{key}_list"),
        path(f"{slug}/bulk/", overview.record_bulk, kind, name=f"{key}_bulk"),
        re_path(rf"^{slug}/export\.(?P<fmt>csv|xlsx)$", overview.record_export, kind,
                name=f"{key}_export"),
        path(f"{slug}/lookup/", views.record_lookup, kind, name=f"{key}_lookup"),
        path(f"{slug}/new/", intake.record_create, kind, name=f"{key}_create"),
        path(f"{slug}/wizard/", intake.record_wizard, kind, name=f"{key}_wizard"),
        path(f"{slug}/wizard/<int:step>/", intake.record_wizard, kind,
             name=f"{key}_wizard_step"),
        path(f"{one}/", views.record_detail, kind, name=f"{key}_detail"),
        path(f"{one}/preview/", overview.record_preview, kind, name=f"{key}_preview"),
        path(f"{one}/edit/", views.record_edit, kind, name=f"{key}_edit"),
        path(f"{one}/delete/", views.record_delete, kind, name=f"{key}_delete"),
        path(f"{one}/transition/", views.record_transition, kind, name=f"{key}_transition"),
        path(f"{one}/tags/", views.record_tag, kind, name=f"{key}_tag"),
        path(f"{one}/tags/remove/", views.record_untag, kind, name=f"{key}_untag"),
        path(f"{one}/contacts/", views.contact_link, kind, name=f"{key}_contact_link"),
        path(f"{one}/contacts/<int:contact_id>/role/", views.contact_role, kind,
             name=f"{key}_contact_role"),
        path(f"{one}/contacts/<int:contact_id>/remove/", views.contact_unlink, kind,
             name=f"{key}_contact_unlink"),
    ]
    if key == "lead":
        routes.append(path(f"{one}/convert/", views.lead_convert, kind, name="lead_convert"))
    else:
        routes += [
            path(f"{one}/follow-ons/", views.follow_on_start, kind,
                 name="opportunity_follow_on"),
            path(f"{one}/team/", develop.team_add, kind, name="opportunity_team_add"),
            path(f"{one}/team/<int:user_id>/remove/", develop.team_remove, kind,
                 name="opportunity_team_remove"),
            path(f"{one}/competitors/", develop.competitor_add, kind,
                 name="opportunity_competitor_add"),
            path(f"{one}/competitors/<int:competitor_id>/remove/", develop.competitor_remove,
                 kind, name="opportunity_competitor_remove"),
        ]
    return routes


urlpatterns: list[URLPattern] = [
    path("records/contacts/lookup/", views.contact_lookup, name="contact_lookup"),
    *(route for kind in KINDS.values() for route in _routes(kind.key, kind.slug)),
]
