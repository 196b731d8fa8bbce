"""Validators for the exchange formats: REFI-QDA's XSDs and the W3C Web Annotation test suite.

The schemas are the project's shared copies (see ../shared/standards/README.md, which also says
where each comes from). The W3C suite's assertions `$ref` their definition libraries by bare file
name, so they resolve through a registry keyed by each library's draft-04 `id`, as the README's
recipe does; `rfc3987` and `rfc3339-validator` make the format checker check `uri` and
`date-time` (without them it skips both silently).
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest

STANDARDS = Path(__file__).resolve().parents[3] / "shared" / "standards"
REFI_QDA = STANDARDS / "refi-qda"
WEB_ANNOTATION = STANDARDS / "web-annotation"

if not STANDARDS.is_dir():  # pragma: no cover - the schemas live beside the repository
    pytest.skip(f"the exchange standards are not at {STANDARDS}", allow_module_level=True)

xmlschema = pytest.importorskip("xmlschema")
jsonschema = pytest.importorskip("jsonschema")
referencing = pytest.importorskip("referencing")
pytest.importorskip("rfc3987")  # checks "format": "uri"
pytest.importorskip("rfc3339_validator")  # checks "format": "date-time"


@cache
def project_schema() -> Any:
    return xmlschema.XMLSchema10(str(REFI_QDA / "Project.xsd"))


@cache
def codebook_schema() -> Any:
    return xmlschema.XMLSchema10(str(REFI_QDA / "Codebook.xsd"))


def xsd_errors(schema: Any, xml: bytes) -> list[str]:
    """Every schema violation of the document, as "reason @ path" lines."""
    return [f"{error.reason} @ {error.path}" for error in schema.iter_errors(io.BytesIO(xml))]


def qdpx_members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


@cache
def _registry() -> Any:
    from referencing.jsonschema import DRAFT4

    libraries = (json.loads(path.read_text(encoding="utf-8"))
                 for path in sorted((WEB_ANNOTATION / "definitions").glob("*.json")))
    return referencing.Registry().with_resources(
        (library["id"], referencing.Resource.from_contents(library, default_specification=DRAFT4))
        for library in libraries
    )


def _flatten(items: list[Any]) -> Iterator[Any]:
    for item in items:
        if isinstance(item, list):
            yield from _flatten(item)
        else:
            yield item


@cache
def _assertions(manifest: str) -> list[tuple[str, dict[str, Any]]]:
    listed = json.loads((WEB_ANNOTATION / manifest).read_text(encoding="utf-8"))["assertions"]
    return [(name, json.loads((WEB_ANNOTATION / name).read_text(encoding="utf-8")))
            for name in _flatten(listed)]


def failed_assertions(manifest: str, instance: Any, only: tuple[str, ...] = ()) -> list[str]:
    """The assertions of a W3C test manifest (`annotations/annotationMusts.test`, say) that do
    not give their expected result for `instance`, with the suite's error message; `only`
    restricts the run to assertions whose file names end so."""
    Draft4Validator = jsonschema.Draft4Validator
    failed = []
    run = 0
    for name, schema in _assertions(manifest):
        if only and not name.endswith(only):
            continue
        run += 1
        validator = Draft4Validator(schema, registry=_registry(),
                                    format_checker=Draft4Validator.FORMAT_CHECKER)
        valid = not any(True for _ in validator.iter_errors(instance))
        if valid != (schema.get("expectedResult", "valid") == "valid"):
            failed.append(f"{name}: {schema.get('errorMessage', '')}")
    assert run == (len(only) if only else len(_assertions(manifest))), "an assertion is missing"
    return failed


# The optional checks that tell whether the features we use are there and well formed (the
# standards README's list for a tagging annotation).
TAGGING_FEATURES = (
    "specificResource/4.2.4-textQuoteSelector.json",
    "specificResource/4.2.4-prefix.json",
    "specificResource/4.2.4-suffix.json",
    "specificResource/4.2.5-textPositionSelector.json",
    "specificResource/4.2-selectorFound.json",
    "bodiesTargets/4-targSpecificResource.json",
    "bodiesTargets/3.2.4-bodyETB.json",
    "bodiesTargets/3.2.4-bodyETBTypeTextualBody.json",
    "bodiesTargets/3.3.5-bodyPurpose.json",
    "3.3.5-annotationMotivationImplemented.json",
)
