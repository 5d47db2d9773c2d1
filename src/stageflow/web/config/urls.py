"""/settings/: pipelines, custom attributes and lookup tables, for administrators."""

from django.urls import path

from stageflow.web.config import views

app_name = "config"

urlpatterns = [
    path("", views.home, name="home"),
    path("presets/", views.presets, name="presets"),
    path("presets/<slug:key>/install/", views.preset_install, name="preset_install"),
    path("import/", views.import_pipeline, name="import"),
    path("pipelines/<slug:key>/", views.pipeline_page, name="pipeline"),
    path("pipelines/<slug:key>/edit/", views.pipeline_edit, name="pipeline_edit"),
    path("pipelines/<slug:key>/rename/", views.pipeline_rename, name="pipeline_rename"),
    path("pipelines/<slug:key>/publish/", views.pipeline_publish, name="pipeline_publish"),
    path("pipelines/<slug:key>/discard/", views.pipeline_discard, name="pipeline_discard"),
    path("pipelines/<slug:key>/default/", views.pipeline_make_default, name="pipeline_default"),
    path("pipelines/<slug:key>/yaml/", views.pipeline_yaml, name="pipeline_yaml"),
    path("pipelines/<slug:key>/stages/reorder/", views.stages_reorder, name="stages_reorder"),
    path("pipelines/<slug:key>/stages/<str:item>/move/", views.stage_move, name="stage_move"),
    path("pipelines/<slug:key>/<slug:section>/new/", views.item_edit, name="item_create"),
    path("pipelines/<slug:key>/<slug:section>/<str:item>/", views.item_edit, name="item_edit"),
    path("pipelines/<slug:key>/<slug:section>/<str:item>/delete/", views.item_delete,
         name="item_delete"),
    path("attributes/", views.attributes, name="attributes_home"),
    path("attributes/<slug:record_type>/", views.attributes, name="attributes"),
    path("attributes/<slug:record_type>/new/", views.attribute_edit, name="attribute_create"),
    path("attributes/<slug:record_type>/<slug:key>/", views.attribute_edit,
         name="attribute_edit"),
    path("lookups/", views.lookups, name="lookups_home"),
    path("lookups/<slug:record_type>/", views.lookups, name="lookups"),
    path("lookups/<slug:record_type>/<slug:table>/new/", views.lookup_value_edit,
         name="lookup_value_create"),
    path("lookups/<slug:record_type>/<slug:table>/<slug:key>/", views.lookup_value_edit,
         name="lookup_value_edit"),
]
