"""The engine stands alone: no Django, no other stageflow package, only stdlib and PyYAML."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

ENGINE = Path(__file__).resolve().parents[2] / "src" / "stageflow" / "engine"
ALLOWED_TOP_LEVEL = set(sys.stdlib_module_names) | {"yaml"}


def test_importing_the_engine_does_not_load_django() -> None:
    code = (
        "import sys, stageflow.engine\n"
        "loaded = sorted(m for m in sys.modules if m == 'django' or m.startswith('django.'))\n"
        "others = sorted(m for m in sys.modules if m.startswith('stageflow.')\n"
        "                and not m.startswith('stageflow.engine'))\n"
        "print(loaded, others)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ENGINE.parents[1])}
    env.pop("DJANGO_SETTINGS_MODULE", None)

    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )

    assert result.stdout.strip() == "[] []"


def test_engine_modules_import_only_stdlib_yaml_and_each_other() -> None:
    outside: list[str] = []
    for path in sorted(ENGINE.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            outside.extend(
                f"{path.name}: {name}"
                for name in names
                if name.split(".")[0] not in ALLOWED_TOP_LEVEL
            )

    assert outside == []
