from pathlib import Path

import pytest

from qa.errors import QaInputError
from qa.glossary import discover_glossaries, load_glossaries

HEADER = "term,zh,forbidden,forbidden_always,keep_english,case_sensitive,variants,note\n"


def write(tmp_path: Path, name: str, body: str, header: str = HEADER) -> Path:
    path = tmp_path / name
    path.write_text(header + body, encoding="utf-8")
    return path


def test_bundled_glossary_loads_with_the_classic_terms(glossary):
    terms = {e.term for e in glossary.entries}
    assert {"Transformer", "CLIP", "CutMix", "paper", "self-attention", "PyTorch Lightning", "Hugging Face"} <= terms
    assert glossary.files[0][1].startswith("sha256:")


def test_merges_files_in_order_and_reports_duplicates_with_both_places(tmp_path):
    a = write(tmp_path, "a.csv", "GAN,生成对抗网络,甘,,true,true,,\n")
    b = write(tmp_path, "b.csv", '"Diffusion model",扩散模型,,,false,false,,"multi\nline note"\nGAN,,,,true,false,,\n')
    with pytest.raises(QaInputError) as raised:
        load_glossaries([a, b])
    assert str(raised.value) == f"{b}:4: term 'GAN' is already defined at {a}:2"


def test_entry_fields(tmp_path):
    path = write(tmp_path, "a.csv", "self-attention,自注意力|自注意力机制,自我关注,,false,false,self attention,x\n")
    entry = load_glossaries([path]).entries[0]
    assert entry.approved == ("自注意力", "自注意力机制")
    assert entry.forbidden == ("自我关注",)
    assert entry.variants == ("self attention",)
    assert entry.preferred == "自注意力"
    assert entry.origin == f"{path}:2"


@pytest.mark.parametrize(
    ("header", "body", "message"),
    [
        ("zh,note\n", "x,y\n", ":1: missing required column 'term'"),
        ("term,zh,colour\n", "x,y,z\n", ":1: unknown column 'colour'"),
        ("term,zh,zh\n", "x,y,z\n", ":1: column 'zh' appears twice"),
        (HEADER, "CLIP,,,,maybe,false,,\n", ":2: column 'keep_english': 'maybe' is not true or false"),
        (HEADER, ",剪辑,,,false,false,,\n", ":2: empty 'term' cell"),
        (HEADER, "CLIP,,,,false,false,,\n", ":2: term 'CLIP' has no approved rendering"),
    ],
)
def test_bad_rows_name_file_and_line(tmp_path, header, body, message):
    path = write(tmp_path, "bad.csv", body, header=header)
    with pytest.raises(QaInputError) as raised:
        load_glossaries([path])
    assert message in str(raised.value)
    assert str(raised.value).startswith(str(path))


def test_discovery_walks_up_from_the_target(tmp_path):
    (tmp_path / "glossaries").mkdir()
    (tmp_path / "glossaries" / "b.csv").write_text(HEADER)
    (tmp_path / "glossaries" / "a.csv").write_text(HEADER)
    nested = tmp_path / "docs" / "2021"
    nested.mkdir(parents=True)
    found = discover_glossaries(nested, tmp_path)
    assert [str(p) for p in found] == ["glossaries/a.csv", "glossaries/b.csv"]


def test_discovery_falls_back_to_the_working_directory(tmp_path):
    project, elsewhere = tmp_path / "project", tmp_path / "elsewhere"
    (project / "glossaries").mkdir(parents=True)
    (project / "glossaries" / "ml.csv").write_text(HEADER)
    elsewhere.mkdir()
    assert [str(p) for p in discover_glossaries(elsewhere, project)] == ["glossaries/ml.csv"]
    assert discover_glossaries(elsewhere, elsewhere) == []
