import errno
import os
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from qa.errors import QaInputError
from qa.glossary.edit import NewEntry, add_entry, describe, find_entries, remove_entry
from qa.glossary.load import load_glossaries
from qa.glossary.table import MAX_CELL_CHARS

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


# A child process that edits when told to, so the edits of all children overlap.
_EDITOR = """
import sys, time
from pathlib import Path
from qa.glossary.edit import NewEntry, add_entry, remove_entry

ready, go, action, file, term = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3], Path(sys.argv[4]), sys.argv[5]
ready.touch()
while not go.exists():
    time.sleep(0.001)
if action == "add":
    add_entry(file, NewEntry(term, zh=("词" + term,)), others=[file])
else:
    remove_entry(term, [file])
"""


def _edit_at_once(sync: Path, edits: list[tuple[str, Path, str]]) -> None:
    """One process per (action, file, term), all released at once; each must exit 0."""
    sync.mkdir()
    go = sync / "go"
    children = [
        subprocess.Popen(
            [sys.executable, "-c", _EDITOR, str(sync / f"ready{i}"), str(go), action, str(file), term],
            stderr=subprocess.PIPE,
        )
        for i, (action, file, term) in enumerate(edits)
    ]
    deadline = time.monotonic() + 60
    while len(list(sync.glob("ready*"))) < len(edits):  # every child has imported qa
        assert time.monotonic() < deadline
        time.sleep(0.01)
    go.touch()
    for child in children:
        _, stderr = child.communicate(timeout=60)
        assert child.returncode == 0, stderr.decode()


def _terms(path: Path) -> list[str]:
    return sorted(entry.term for entry in load_glossaries([path]).entries)


@pytest.mark.parametrize("round_", range(3))
def test_concurrent_adds_keep_every_row(tmp_path, round_):
    (tmp_path / "g").mkdir()
    path = tmp_path / "g" / "shared.csv"
    path.write_text("term,zh,note\n", encoding="utf-8")
    terms = [f"term{round_}x{i}" for i in range(8)]
    _edit_at_once(tmp_path / "sync", [("add", path, term) for term in terms])
    assert _terms(path) == sorted(terms)
    assert [p.name for p in path.parent.iterdir()] == ["shared.csv"]  # no lock or temporary left


def test_concurrent_removes_and_adds_lose_nothing(tmp_path):
    path = tmp_path / "shared.csv"
    path.write_text("term,zh\n" + "".join(f"old{i},旧{i}\n" for i in range(4)), encoding="utf-8")
    edits = [("remove", path, f"old{i}") for i in range(4)] + [("add", path, f"new{i}") for i in range(4)]
    _edit_at_once(tmp_path / "sync", edits)
    assert _terms(path) == [f"new{i}" for i in range(4)]


def test_concurrent_adds_through_a_link_and_the_real_name_share_one_lock(tmp_path):
    path = tmp_path / "shared.csv"
    path.write_text("term,zh\n", encoding="utf-8")
    link = tmp_path / "link.csv"
    link.symlink_to(path.name)
    _edit_at_once(tmp_path / "sync", [("add", path if i % 2 else link, f"t{i}") for i in range(8)])
    assert link.is_symlink() and _terms(path) == [f"t{i}" for i in range(8)]


def _linked(tmp_path: Path) -> tuple[Path, Path, bytes]:
    """glossaries/ml.csv -> ../store/mid.csv -> store/ml.csv: the edits must reach the last."""
    (tmp_path / "store").mkdir()
    real = glossary_file(tmp_path / "store")
    (tmp_path / "store" / "mid.csv").symlink_to("ml.csv")
    (tmp_path / "glossaries").mkdir()
    link = tmp_path / "glossaries" / "ml.csv"
    link.symlink_to(Path("..") / "store" / "mid.csv")
    return link, real, real.read_bytes()


def _listing(tmp_path: Path) -> list[tuple[str, str]]:
    return sorted((str(p.relative_to(tmp_path)), os.readlink(p) if p.is_symlink() else "") for p in tmp_path.rglob("*"))


def test_add_and_remove_through_a_chain_of_links_edit_the_real_file(tmp_path):
    link, real, before = _linked(tmp_path)
    listing = _listing(tmp_path)
    os.chmod(real, 0o600)
    edit = add_entry(link, NewEntry("BERT", keep_english=True, case_sensitive=True))
    assert edit.file == link  # reported under the name the user gave
    assert real.read_bytes() == before + b"BERT,,,,true,true,,\r\n"
    assert _listing(tmp_path) == listing  # both links still links, nothing new beside them
    remove_entry("BERT", [link])
    assert real.read_bytes() == before
    assert _listing(tmp_path) == listing
    assert stat.S_IMODE(real.stat().st_mode) == 0o600


def test_an_edit_through_a_link_loop_is_a_clear_error(tmp_path):
    (tmp_path / "a.csv").symlink_to("b.csv")
    (tmp_path / "b.csv").symlink_to("a.csv")
    with pytest.raises(QaInputError, match=r"a\.csv: cannot edit: Too many levels of symbolic links"):
        add_entry(tmp_path / "a.csv", NewEntry("BERT", keep_english=True))


def test_a_formula_cell_is_refused(tmp_path):
    path = glossary_file(tmp_path)
    before = path.read_bytes()
    for entry in (
        NewEntry("=HYPERLINK(1)", keep_english=True),
        NewEntry("BERT", keep_english=True, note="@everyone"),
        NewEntry("BERT", zh=("-伯特",), variants=("bert",)),
    ):
        with pytest.raises(QaInputError, match=r"ml\.csv:6: the edit is refused: '\w+' starts with '[=@-]'"):
            add_entry(path, entry)
    assert path.read_bytes() == before


def test_a_cell_over_the_limit_is_refused_at_its_line(tmp_path):
    path = glossary_file(tmp_path)
    before = path.read_bytes()
    with pytest.raises(QaInputError, match=r"ml\.csv:6: the edit is refused: a cell of 131,073 characters"):
        add_entry(path, NewEntry("BERT", keep_english=True, note="长" * (MAX_CELL_CHARS + 1)))
    assert path.read_bytes() == before
    add_entry(path, NewEntry("BERT", keep_english=True, note="长" * MAX_CELL_CHARS))
    assert load_glossaries([path]).entries[-1].note == "长" * MAX_CELL_CHARS


def test_a_file_that_cannot_be_locked_or_written_is_a_one_line_error(tmp_path, monkeypatch):
    import qa.glossary.edit

    path = glossary_file(tmp_path)
    before = path.read_bytes()

    def read_only(*args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(qa.glossary.edit, "replace_file", read_only)
    with pytest.raises(QaInputError, match=r"ml\.csv: cannot write: Read-only file system$"):
        add_entry(path, NewEntry("BERT", keep_english=True))
    monkeypatch.setattr(qa.glossary.edit, "edit_lock", read_only)
    with pytest.raises(QaInputError, match=r"ml\.csv: cannot lock for editing: Read-only file system$"):
        remove_entry("CLIP", [path])
    assert path.read_bytes() == before
