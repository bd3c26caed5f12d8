"""Generated wrong renderings: by sound, word by word, and their cache."""

from qa.glossary.candidates import GENERATOR_VERSION, Generated, NameEntry, by_sound, by_words, cached_candidates
from qa.glossary.match import open_words


def test_names_spoken_as_words_are_transliterated_with_the_table_characters():
    assert "伯特" in by_sound("BERT")
    assert "罗伯塔" in by_sound("RoBERTa")
    assert "格罗弗" in by_sound("Grover")
    assert "埃尔莫" in by_sound("ELMo")


def test_names_with_digits_or_of_one_syllable_are_not_transliterated():
    assert by_sound("GPT-3") == []
    assert by_sound("GAN") == []


def test_names_are_translated_word_by_word_and_whole():
    words = open_words()
    assert "高效网" in by_words("EfficientNet", words)
    assert "强力胶" in by_words("SuperGLUE", words)
    assert "PyTorch 闪电" in by_words("PyTorch Lightning", words)
    assert "嘈杂的学生" in by_words("Noisy Student", words)


def test_a_name_no_word_of_which_translates_gets_nothing():
    assert by_words("XLNet", open_words()) == []


def test_approved_renderings_and_stop_words_are_never_generated(tmp_path):
    names = [NameEntry("SuperGLUE", (), True, ()), NameEntry("Stable Diffusion", (), True, ("稳定扩散",))]
    generated = cached_candidates("k", names, ["强力胶", "稳定扩散"], tmp_path)
    texts = {g.text for g in generated}
    assert "强力胶" not in texts and "稳定扩散" not in texts
    assert all(g.entry == 0 or g.how == "words" for g in generated)  # 稳定扩散 is approved: no transliteration


def test_entries_translated_into_chinese_get_no_candidates(tmp_path):
    assert cached_candidates("k", [NameEntry("Attention", (), False, ("注意力",))], [], tmp_path) == ()


def test_the_cache_is_read_back_and_keyed_by_content_and_version(tmp_path):
    names = [NameEntry("Grover", (), True, ())]
    first = cached_candidates("one", names, [], tmp_path)
    files = list(tmp_path.glob("qa-glossary-candidates-*.json"))
    assert len(files) == 1 and GENERATOR_VERSION >= 1
    files[0].write_text('[["假的", 0, "sound", false]]', encoding="utf-8")
    planted = (Generated("假的", 0, "sound"),)
    assert cached_candidates("one", names, [], tmp_path) == planted  # read, not generated again
    assert cached_candidates("two", names, [], tmp_path) == first  # another key generates anew


def test_a_corrupt_cache_is_generated_again(tmp_path):
    names = [NameEntry("Grover", (), True, ())]
    first = cached_candidates("one", names, [], tmp_path)
    next(tmp_path.glob("qa-glossary-candidates-*.json")).write_bytes(b"not json")
    assert cached_candidates("one", names, [], tmp_path) == first


def test_a_cache_file_others_may_write_is_not_read(tmp_path):
    # The temporary folder is shared: a file someone else could have written is data we did
    # not make.
    names = [NameEntry("Grover", (), True, ())]
    first = cached_candidates("one", names, [], tmp_path)
    cache = next(tmp_path.glob("qa-glossary-candidates-*.json"))
    cache.write_text('[["假的", 0, "sound", false]]', encoding="utf-8")
    cache.chmod(0o666)
    assert cached_candidates("one", names, [], tmp_path) == first
