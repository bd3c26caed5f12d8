"""dumps_indented against json.dumps(..., ensure_ascii=False, indent=2), the text it stands in for."""

import enum
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qa.report.indented import dumps_indented


class Kind(enum.StrEnum):
    PAIR = "1-1"


class Level(enum.IntEnum):
    HIGH = 3


def expected(value):
    return json.dumps(value, ensure_ascii=False, indent=2)


SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text()
    | st.sampled_from([Kind.PAIR, Level.HIGH, '中文\n"\\\u2028\x00'])
)
KEYS = st.text() | st.integers() | st.floats() | st.booleans() | st.none() | st.just(Kind.PAIR)
VALUES = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=5) | st.lists(inner, max_size=5).map(tuple) | st.dictionaries(KEYS, inner, max_size=5)
    ),
    max_leaves=40,
)


@settings(max_examples=500, deadline=None)
@given(VALUES)
def test_the_text_is_that_of_json(value):
    assert dumps_indented(value) == expected(value)


def test_a_report_shaped_value_is_written_as_json_writes_it():
    pair = {"id": 0, "type": "1-1", "source_lines": [3, 4], "target_lines": None, "similarity": 0.5, "drift": None}
    value = {"pairs": [pair, {**pair, "id": 1}], "findings": [], "notes": [], "summary": {}, "reference": None}
    assert dumps_indented(value) == expected(value)


@pytest.mark.parametrize("value", [object(), {"a": {1, 2}}, [b"bytes"], {(1, 2): "tuple key"}])
def test_what_json_cannot_write_is_a_type_error(value):
    with pytest.raises(TypeError):
        expected(value)
    with pytest.raises(TypeError):
        dumps_indented(value)
