"""`stageflow workflow validate|import|export|graph`: workflow files from the command line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Q

from stageflow import engine
from stageflow.core.errors import StageflowError
from stageflow.core.models import Via
from stageflow.people.models import User
from stageflow.pipelines import selectors, services


def _format_of(path: Path, explicit: str | None) -> str:
    if explicit:
        return explicit
    return "json" if path.suffix.lower() == ".json" else "yaml"


class Command(BaseCommand):
    help = "Validate, import, export or draw workflow (pipeline) definition files."

    def add_arguments(self, parser: CommandParser) -> None:
        commands = parser.add_subparsers(dest="action", required=True)
        validate = commands.add_parser("validate", help="Check files; exit 1 on any error.")
        validate.add_argument("files", nargs="+", type=Path)
        validate.add_argument("--format", choices=services.FORMATS)
        importer = commands.add_parser("import", help="Import files as drafts (or publish).")
        importer.add_argument("files", nargs="+", type=Path)
        importer.add_argument("--format", choices=services.FORMATS)
        importer.add_argument("--publish", action="store_true", help="Make them live at once.")
        importer.add_argument("--as-user", default=None,
                              help="Administrator recorded as the author (default: the first "
                                   "administrator).")
        exporter = commands.add_parser("export", help="Write a pipeline as a file.")
        exporter.add_argument("pipeline")
        exporter.add_argument("--version", default="live", help="live, draft or a number.")
        exporter.add_argument("--format", choices=services.FORMATS, default="yaml")
        exporter.add_argument("-o", "--output", type=Path)
        grapher = commands.add_parser("graph", help="Draw a file or a stored pipeline as SVG.")
        grapher.add_argument("source", help="A workflow file, or the key of a stored pipeline.")
        grapher.add_argument("--step", help="Highlight this step as the current one.")
        grapher.add_argument("-o", "--output", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        try:
            getattr(self, f"_{action}")(options)
        except StageflowError as error:
            details = "".join(f"\n  {path}: {why}" for path, why in error.fields.items())
            raise CommandError(f"{error.message}{details}") from error

    def _read(self, path: Path, explicit: str | None) -> engine.PipelineDefinition:
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        if path.stat().st_size > engine.MAX_INPUT_BYTES:
            raise CommandError(f"{path}: larger than {engine.MAX_INPUT_BYTES} bytes")
        try:
            return services.parse_definition(path.read_bytes(),
                                             file_format=_format_of(path, explicit))
        except StageflowError as error:
            details = "".join(f"\n  {where}: {why}" for where, why in error.fields.items())
            raise CommandError(f"{path}: {error.message}{details}") from error

    def _validate(self, options: dict[str, Any]) -> None:
        failed = False
        for path in options["files"]:
            definition = self._read(path, options["format"])
            problems = engine.validate(
                definition, known_fields=selectors.known_fields(definition.record_type))
            errors = [p for p in problems if p.severity == "error"]
            failed = failed or bool(errors)
            verdict = "errors" if errors else "ok"
            self.stdout.write(f"{path}: {verdict} ({len(errors)} error(s), "
                              f"{len(problems) - len(errors)} warning(s))")
            for problem in problems:
                self.stdout.write(f"  {problem.severity}: {problem.path}: {problem.message}")
        if failed:
            raise CommandError("validation failed")

    def _author(self, username: str | None) -> User:
        users = User.objects.filter(is_active=True)
        administrators = users.filter(Q(is_superuser=True) | Q(roles__manages_workspace=True))
        author = (users.filter(username=username) if username
                  else administrators.distinct().order_by("pk")).first()
        if author is None:
            raise CommandError("No administrator to record as the author; use --as-user.")
        return author

    def _import(self, options: dict[str, Any]) -> None:
        author = self._author(options["as_user"])
        for path in options["files"]:
            definition = self._read(path, options["format"])
            draft = services.pipeline_draft_save(actor=author, via=Via.CLI,
                                                 definition=definition)
            if options["publish"]:
                draft = services.pipeline_publish(actor=author, via=Via.CLI,
                                                  pipeline=draft.pipeline)
            self.stdout.write(f"{path}: {draft.pipeline.key} version {draft.number} "
                              f"({draft.state})")

    def _export(self, options: dict[str, Any]) -> None:
        pipeline = selectors.pipeline_by_key(options["pipeline"])
        version = selectors.version_of(pipeline, options["version"])
        text = engine.dumps(selectors.definition_of(version), format=options["format"])
        self._emit(text, options["output"])

    def _graph(self, options: dict[str, Any]) -> None:
        source = Path(options["source"])
        if source.is_file():
            definition = self._read(source, None)
        else:
            pipeline = selectors.pipeline_by_key(options["source"])
            definition = selectors.definition_of(selectors.version_of(pipeline, "live"))
        self._emit(engine.render_svg(definition, current_step=options["step"]), options["output"])

    def _emit(self, text: str, output: Path | None) -> None:
        if output is None:
            self.stdout.write(text, ending="" if text.endswith("\n") else "\n")
        else:
            output.write_text(text, encoding="utf-8")
            self.stdout.write(f"wrote {output}")
