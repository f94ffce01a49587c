"""Core's paper is the shared one: the model has every field of ``portfolio_shared.schemas.Paper``
with a matching kind and nullability, its migrations build exactly the model, and the upsert's
columns (``papers.merge.COLUMNS``) and the API's fields (``PUBLIC_FIELDS``) are the shared fields."""

from __future__ import annotations

from io import StringIO
from types import UnionType
from typing import Any, Union, get_args, get_origin

import pytest
from django.contrib.postgres.fields import ArrayField
from django.core.management import call_command
from django.db import connection, models
from pydantic import AwareDatetime

from papers.api.serializers import PUBLIC_FIELDS
from papers.merge import COLUMNS
from papers.models import Paper as PaperModel
from portfolio_shared.schemas import PAPER_FIELDS, Paper

#: The Django field classes a value of each shared type is stored in.
_KINDS: dict[Any, tuple[type[models.Field[Any, Any]], ...]] = {
    str: (models.CharField, models.TextField),
    int: (models.IntegerField,),
    float: (models.FloatField,),
    AwareDatetime: (models.DateTimeField,),
    list: (ArrayField,),
    dict: (models.JSONField,),
}
#: The column types (as ``information_schema`` names them) that hold each of the upsert's SQL types.
_SQL_TYPES = {
    "text": {"text", "character varying"},
    "integer": {"integer"},
    "double precision": {"double precision"},
    "timestamptz": {"timestamp with time zone"},
    "jsonb": {"jsonb"},
    "text[]": {"ARRAY"},
}


def _kind(annotation: Any) -> tuple[Any, bool]:
    """The value's base type and whether None is allowed."""
    optional = False
    if get_origin(annotation) in (Union, UnionType):
        args = get_args(annotation)
        optional = type(None) in args
        (annotation,) = [a for a in args if a is not type(None)]
    while get_origin(annotation) is not None and get_origin(annotation) not in (list, dict):
        annotation = get_args(annotation)[0]  # Annotated[...]
    return get_origin(annotation) or annotation, optional


@pytest.mark.parametrize("name", PAPER_FIELDS)
def test_the_model_stores_each_shared_field_as_its_kind(name: str) -> None:
    field = PaperModel._meta.get_field(name)
    base, optional = _kind(Paper.model_fields[name].annotation)
    assert isinstance(field, _KINDS[base]), f"{name}: {type(field).__name__} does not hold {base}"
    assert field.null == optional, f"{name}: null={field.null}, the shared schema says optional={optional}"


def test_the_upsert_and_the_api_use_the_shared_fields_in_their_order() -> None:
    assert tuple(c.name for c in COLUMNS) == PAPER_FIELDS
    assert PUBLIC_FIELDS[: len(PAPER_FIELDS)] == PAPER_FIELDS


@pytest.mark.django_db
def test_the_migrations_build_the_model() -> None:
    out = StringIO()
    try:
        call_command("makemigrations", "papers", "--check", "--dry-run", stdout=out)
    except SystemExit:
        pytest.fail(f"papers' model differs from its migrations:\n{out.getvalue()}")


@pytest.mark.django_db
def test_the_migrated_table_has_each_upserted_column_with_its_sql_type() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = %s",
            [PaperModel._meta.db_table],
        )
        columns = dict(cursor.fetchall())
    wrong = {
        c.name: (c.sql_type, columns.get(c.name))
        for c in COLUMNS
        if columns.get(c.name) not in _SQL_TYPES[c.sql_type]
    }
    assert wrong == {}
