from pathlib import Path

import pytest

from qa.errors import QaInputError
from qa.glossary import load_glossaries
from qa.glossary_edit import NewEntry, add_entry, describe, find_entries, remove_entry

HEADER = "term,zh,forbidden,forbidden_always,keep_english,case_sensitive,variants,note\n"
# Quoting, CRLF endings and a multi-line note that an edit must keep byte for byte.
ROWS = (
    'Transformer,,"变压器",变形金刚,true,false,,"Keep ""Transformer""."\r\n'
    'GAN,生成对抗网络,甘,,true,true,,"two\r\nlines"\r\n'
    "CLIP,,剪辑,,true,true,,\r\n"
)


def glossary_file(tmp_path: Path, body: str = ROWS, name: str = "ml.csv") -> Path:
    path = tmp_path / name
    path.write_bytes((HEADER.replace("\n", "\r\n") + body).encode("utf-8"))
    return path


def test_add_appends_one_row_and_keeps_every_other_byte(tmp_path):
    path = glossary_file(tmp_path)
    before = path.read_bytes()
    edit = add_entry(path, NewEntry("diffusion model", zh=("扩散模型",), forbidden=("传播模型",), note='say "扩散"'))
    after = path.read_bytes()
    assert after.startswith(before)
    assert after[len(before) :] == 'diffusion model,扩散模型,传播模型,,,,,"say ""扩散"""\r\n'.encode()
    assert (edit.line, edit.row) == (6, 'diffusion model,扩散模型,传播模型,,,,,"say ""扩散"""')
    assert [e.term for e in load_glossaries([path]).entries][-1] == "diffusion model"


def test_add_to_a_file_without_final_newline(tmp_path):
    path = glossary_file(tmp_path, "CLIP,,剪辑,,true,true,,")
    add_entry(path, NewEntry("GAN", zh=("生成对抗网络",), keep_english=True, case_sensitive=True))
    assert path.read_bytes().decode().endswith("CLIP,,剪辑,,true,true,,\r\nGAN,生成对抗网络,,,true,true,,\r\n")


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (NewEntry("gan", zh=("甘",)), "term 'gan' is already defined at"),
        (NewEntry("MixUp", keep_english=True, forbidden=("生成对抗网络",)), "an approved rendering of 'GAN'"),
        (NewEntry("BERT"), "has no approved rendering"),
        (NewEntry("BERT", keep_english=True, report_missing=False), "the header has no 'report_missing' column"),
    ],
)
def test_add_refuses_an_entry_that_adds_a_problem_and_writes_nothing(tmp_path, entry, message):
    path = glossary_file(tmp_path)
    before = path.read_bytes()
    with pytest.raises(QaInputError, match=message):
        add_entry(path, entry)
    assert path.read_bytes() == before


def test_add_checks_duplicates_in_the_other_glossary_files(tmp_path):
    other = glossary_file(tmp_path, "CutMix,,剪辑,,true,false,,\r\n", name="other.csv")
    path = glossary_file(tmp_path)
    with pytest.raises(QaInputError, match=r"already defined at .*other\.csv:2"):
        add_entry(path, NewEntry("cutmix", keep_english=True), others=[other, path])


def test_add_creates_a_missing_file_with_the_full_header(tmp_path):
    path = tmp_path / "new.csv"
    add_entry(path, NewEntry("JAX", keep_english=True, case_sensitive=True, report_missing=False))
    assert path.read_text(encoding="utf-8").splitlines()[1] == "JAX,,,,,,true,true,false,,"


def test_remove_cuts_exactly_one_row_even_a_multiline_one(tmp_path):
    path = glossary_file(tmp_path)
    edit = remove_entry("gan", [path])
    assert (edit.file, edit.line) == (path, 3)
    expected = HEADER.replace("\n", "\r\n") + ROWS.replace('GAN,生成对抗网络,甘,,true,true,,"two\r\nlines"\r\n', "")
    assert path.read_bytes() == expected.encode()


def test_remove_unknown_or_ambiguous_term(tmp_path):
    path = glossary_file(tmp_path)
    other = glossary_file(tmp_path, "CLIP,,夹子,,true,true,,\r\n", name="other.csv")
    with pytest.raises(QaInputError, match="no entry with the term 'BERT'"):
        remove_entry("BERT", [path])
    with pytest.raises(QaInputError, match=r"defined more than once .*pass --file"):
        remove_entry("CLIP", [path, other])
    assert "CLIP" in path.read_text(encoding="utf-8") and "CLIP" in other.read_text(encoding="utf-8")


def test_edits_refuse_files_they_cannot_read_safely(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes(HEADER.encode() + b'CLIP,"open\n')
    with pytest.raises(QaInputError, match=r":2: unterminated quoted cell.*fix it before editing"):
        add_entry(path, NewEntry("BERT", keep_english=True))
    path.write_bytes(HEADER.encode() + b"CLIP,\xff,,,true,true,,\n")
    with pytest.raises(QaInputError, match=":2: not valid UTF-8"):
        remove_entry("CLIP", [path])


def test_find_by_term_variant_or_any_rendering_and_describe(tmp_path):
    glossary = load_glossaries([glossary_file(tmp_path)])
    assert [e.term for e in find_entries(glossary, "剪辑")] == ["CLIP"]
    assert [e.term for e in find_entries(glossary, "transformers")] == []
    assert [e.term for e in find_entries(glossary, "transformer")] == ["Transformer"]
    text = describe(find_entries(glossary, "gan")[0])
    assert text.splitlines()[0] == f"GAN  ({tmp_path / 'ml.csv'}:3)"
    assert "approved:              GAN (kept in English); also 生成对抗网络" in text
    assert "forbidden:             甘" in text


def test_a_byte_order_mark_is_kept_and_does_not_hide_the_header(tmp_path):
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbf" + (HEADER + "CLIP,,剪辑,,true,true,,\n").encode())
    add_entry(path, NewEntry("BERT", keep_english=True, case_sensitive=True))
    remove_entry("CLIP", [path])
    assert path.read_bytes() == b"\xef\xbb\xbf" + (HEADER + "BERT,,,,true,true,,\n").encode()
