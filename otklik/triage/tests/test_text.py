from otklik.triage.pipeline import triage
from otklik.triage.text import MAX_ANALYSED_CHARS, normalize


def words(text: str) -> list[str]:
    return [t.norm for t in normalize(text).words]


def test_it_blanks_mentions_urls_emoji_and_html_but_keeps_offsets():
    text = "[id123|Иван Петров], яма 😡 на https://vk.com/wall-1_2 <b>Ленина</b> &amp; всё"
    nt = normalize(text)
    assert [t.norm for t in nt.words] == ["яма", "на", "ленина", "все"]
    for t in nt.words:
        assert text[t.start : t.end] == t.text
    assert (nt.n_mentions, nt.n_urls, nt.n_emoji) == (1, 1, 1)


def test_it_lemmatises():
    assert normalize("Отключили горячую воду в домах").lemmas == ["отключить", "горячий", "вода", "в", "дом"]


def test_it_undoes_latin_lookalikes_and_digits_inside_cyrillic_words():
    assert words("xуй пи3д@ еб@ть") == ["хуй", "пизда", "ебать"]


def test_it_joins_letters_split_by_separators_and_spaces():
    assert words("х.у.й") == ["хуй"]
    assert words("х-у-й") == ["хуй"]
    assert words("б л я д ь") == ["блядь"]


def test_it_keeps_ordinary_hyphens_abbreviations_and_prepositions():
    assert words("кто-то т.е. я и в") == ["кто-то", "т", "е", "я", "и", "в"]


def test_it_collapses_repeated_letters():
    assert words("ССССУУУУКА") == ["сука"]


def test_it_keeps_asterisks_as_wildcards():
    assert words("бл**ь") == ["бл**ь"]


def test_empty_and_emoji_only_texts_give_no_tokens():
    assert normalize("").tokens == []
    assert normalize(None).tokens == []
    assert normalize("😀😀🔥").words == []


def test_a_megabyte_of_text_is_cut_not_choked_on():
    nt = normalize("яма на дороге " * 80_000)
    assert nt.truncated
    assert nt.tokens[-1].end <= MAX_ANALYSED_CHARS
    assert triage("а" * 1_000_000).relevance.relevant is False


def test_mixed_scripts_give_sensible_output():
    out = triage("Hello мир 世界 مرحبا iPhone 2021")
    assert out.abuse is None
    assert "iphone" in [t.norm for t in out.normalized.words]


def test_equally_likely_normal_forms_resolve_to_the_word_the_lexicons_know():
    from otklik.triage.text import lemmatize

    assert normalize("Огромные ямы во дворе, в ямах вода").lemmas[1] == "яма"
    assert lemmatize("ямах") == "яма"
    assert lemmatize("дороги") == "дорога"  # no tie: the most probable form as before
