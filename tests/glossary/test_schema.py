"""The schema is declared once: the loader's, the editor's and the CLI's columns all come from it."""

import csv
import dataclasses
import inspect

from qa.cli import glossary as cli_glossary
from qa.glossary.edit import NewEntry
from qa.glossary.schema import COLUMNS, SCHEMA, Kind, help_for
from tests.conftest import REPO


def test_new_entries_have_exactly_the_schemas_columns():
    assert {field.name for field in dataclasses.fields(NewEntry)} == set(COLUMNS)
    assert tuple(NewEntry(term="x").cells()) == COLUMNS


def test_the_bundled_glossaries_are_written_in_the_schema():
    for path in sorted((REPO / "glossaries").glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as file:
            assert tuple(next(csv.reader(file))) == COLUMNS, path.name


def test_glossary_add_takes_an_option_per_column_with_the_schemas_help():
    parameters = inspect.signature(cli_glossary.add).parameters
    # The CLI names repeatable list options in the singular (--exception, --variant).
    singular = {"exceptions": "exception", "variants": "variant"}
    for column in SCHEMA:
        parameter = parameters[singular.get(column.name, column.name)]
        info = parameter.annotation.__metadata__[0] if hasattr(parameter.annotation, "__metadata__") else None
        if info is None:  # annotations are strings under `from __future__ import annotations`
            assert f'help_for("{column.name}")' in inspect.getsource(cli_glossary.add), column.name
        else:
            assert info.help == help_for(column.name)
    assert {c.kind for c in SCHEMA} == set(Kind)
