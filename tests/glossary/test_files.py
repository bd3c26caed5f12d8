"""Which glossary files a run uses: bundled, found, configured and flagged, each once."""

from __future__ import annotations

from pathlib import Path

import pytest

from qa.errors import QaInputError
from qa.glossary.files import Origin, expand_glossary_paths, resolve_glossaries
from qa.glossary.load import bundled_glossaries, bundled_path, load_glossaries
from tests.conftest import REPO

HEADER = "term,zh,forbidden\n"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_the_bundled_glossary_is_the_repos_glossaries_folder():
    names = [location.removeprefix("bundled:") for location in bundled_glossaries()]
    assert names == sorted(p.name for p in (REPO / "glossaries").glob("*.csv"))
    for location in bundled_glossaries():
        assert bundled_path(location).read_bytes() == (REPO / "glossaries" / bundled_path(location).name).read_bytes()


def test_an_empty_folder_gets_the_bundled_glossary_alone(tmp_path):
    files = resolve_glossaries(tmp_path, tmp_path)
    assert files.locations == bundled_glossaries()
    assert {f.origin for f in files.used} == {Origin.BUNDLED}
    assert resolve_glossaries(tmp_path, tmp_path, bundled=False).used == ()


def test_project_files_come_after_the_bundled_ones_with_their_origin(tmp_path):
    write(tmp_path / "docs" / "glossaries" / "team.csv", HEADER + "GAN,生成对抗网络,甘\n")
    configured = write(tmp_path / "terms" / "a.csv", HEADER + "BERT,BERT,伯特\n")
    write(tmp_path / "terms" / "b.csv", HEADER + "ViT,ViT,维特\n")
    flagged = write(tmp_path / "extra.csv", HEADER + "CLIP,CLIP,剪辑\n")
    files = resolve_glossaries(
        tmp_path / "docs", tmp_path, configured=[configured], flags=[tmp_path / "terms", flagged]
    )
    origins = [(Path(f.location).name, f.origin) for f in files.used if f.origin is not Origin.BUNDLED]
    assert origins == [
        ("team.csv", Origin.FOUND),
        ("a.csv", Origin.CONFIG),
        ("b.csv", Origin.FLAG),  # a folder given to --glossary: its *.csv, in name order
        ("extra.csv", Origin.FLAG),
    ]
    assert [s.file.location for s in files.skipped] == [str(tmp_path / "terms" / "a.csv")]  # given twice


def test_a_project_copy_of_a_bundled_file_is_the_bundled_file(tmp_path):
    write(tmp_path / "glossaries" / "ml-terms.csv", (REPO / "glossaries" / "ml-terms.csv").read_text("utf-8"))
    files = resolve_glossaries(tmp_path, tmp_path)
    assert files.locations == bundled_glossaries()
    assert [(s.file.location, s.reason) for s in files.skipped] == [
        ("glossaries/ml-terms.csv", "the same content as bundled:ml-terms.csv")
    ]


@pytest.mark.parametrize(
    ("name", "message"),
    [("nope.csv", "no such glossary file or folder"), ("empty", "no *.csv glossary in this folder")],
)
def test_a_bad_glossary_path_is_an_input_error(tmp_path, name, message):
    (tmp_path / "empty").mkdir()
    with pytest.raises(QaInputError, match="^" + str(tmp_path / name)) as error:
        expand_glossary_paths([tmp_path / name])
    assert message in str(error.value)


def test_a_project_entry_overrides_every_bundled_entry_it_shares_an_english_form_with(tmp_path):
    team = write(tmp_path / "team.csv", HEADER + "Transformer,变换器模型,\nViT,ViT,\n")
    merged = load_glossaries([*bundled_glossaries(), team])
    transformer = [e for e in merged.entries if e.term == "Transformer"]
    assert [e.origin for e in transformer] == [f"{team}:2"]
    # "ViT" is a variant of the bundled "Vision Transformer": that whole entry gives way.
    assert not [e for e in merged.entries if e.term == "Vision Transformer"]
    beaten = {o.entry.term: o.by for o in merged.overridden}
    assert beaten == {"Transformer": f"{team}:2", "Vision Transformer": f"{team}:3"}
    assert len(merged.entries) == len(load_glossaries(bundled_glossaries()).entries) - 2 + 2


def test_a_term_defined_twice_in_the_project_is_still_an_error(tmp_path):
    one = write(tmp_path / "one.csv", HEADER + "Transformer,变换器模型,\n")
    two = write(tmp_path / "two.csv", HEADER + "transformer,变换器,\n")
    with pytest.raises(QaInputError, match="already defined at"):
        load_glossaries([*bundled_glossaries(), one, two])


def test_an_unknown_bundled_name_is_an_input_error():
    with pytest.raises(QaInputError, match="no such bundled glossary"):
        load_glossaries(["bundled:nope.csv"])
