from otklik.triage.routing import KeywordRouter, LinearModel, build_features
from otklik.triage.text import normalize
from otklik.triage.training import evaluate, load_labelled

from .fixtures import rows, write_csv


def feats(text, district=None):
    return build_features(normalize(text).lemmas, [district] if district else [])


def train_model():
    data = rows(12)
    return LinearModel.fit([feats(r["text"], r["district"]) for r in data], [r["org"] for r in data])


def test_a_trained_model_routes_and_says_why():
    top = train_model().predict(feats("огромная яма на дороге", "Центр"))
    assert [s.label for s in top][0] == "Дороги"
    assert len(top) == 3
    assert 0 < top[0].confidence <= 1
    assert top[0].confidence >= top[1].confidence
    assert "яма" in top[0].reasons


def test_it_survives_a_save_and_load(tmp_path):
    model = train_model()
    model.save(tmp_path / "m.npz")
    again = LinearModel.load(tmp_path / "m.npz")
    f = feats("нет воды в доме 3", "Шаумянский")
    assert [s.label for s in again.predict(f)] == [s.label for s in model.predict(f)]


def test_training_and_evaluation_round_trip_on_csv_and_gzip(tmp_path):
    train = load_labelled(write_csv(tmp_path / "train.csv", rows(12)), "text", "org", "district")
    test = load_labelled(write_csv(tmp_path / "test.csv.gz", rows(4, offset=20), gz=True), "text", "org", "district")
    metrics = evaluate(LinearModel.fit(train.docs, train.labels), test)
    assert metrics["n_test"] == 12
    assert metrics["accuracy"] >= 0.9
    assert metrics["top3_accuracy"] == 1.0
    assert 0 < metrics["macro_f1"] <= 1


def test_location_is_a_feature_and_crosses_the_words():
    f = build_features(["яма"], ["Центр"])
    assert f == ["яма", "@loc:центр", "@loc:центр|яма"]


def test_the_keyword_router_starts_cold_from_competence_keywords():
    router = KeywordRouter(
        {
            "roads": ("дорога, яма, асфальт", ["Дороги"]),
            "water": ("вода, водопровод, канализация", ["Водоснабжение и водоотведение"]),
            "housing": ("отопление, подъезд", ["ЖКХ"]),
        }
    )
    top = router.predict(normalize("Во дворе яма, асфальт разбит").lemmas, "Дороги")
    assert top[0].label == "roads"
    assert "яма" in top[0].reasons and "тема: Дороги" in top[0].reasons
    assert router.predict(normalize("Спасибо").lemmas) == []


def test_a_model_with_character_ngrams_uses_the_text_itself_and_explains_by_words(tmp_path):
    data = rows(12)
    texts = [r["text"] for r in data]
    model = LinearModel.fit([feats(t) for t in texts], [r["org"] for r in data], texts=texts)
    assert model.char_ngrams and any(f.startswith("#c:") for f in model.vocab)
    text = "ямы на дорогах у дома 7"  # «ямы», «дорогах»: word forms the training rows did not have
    top = model.predict(feats(text), text=text)
    assert top[0].label == "Дороги"
    assert top[0].reasons and not any(r.startswith("#") for r in top[0].reasons)
    model.save(tmp_path / "m.npz")
    again = LinearModel.load(tmp_path / "m.npz")
    assert again.char_ngrams
    assert again.predict(feats(text), text=text)[0].label == "Дороги"


def test_numbers_that_matter_are_kept():
    from otklik.triage.routing import number_features

    assert number_features("Автобус маршрут № 45 не ходит, дом 12а") == ["маршрут 45", "дом 12а"]


def test_prediction_scores_a_message_as_training_weighed_it():
    """The cached per-word sums of character n-grams give the training row's scores."""
    import numpy as np

    from otklik.triage.routing import char_features, number_features

    data = rows(12)
    texts = [r["text"] for r in data]
    model = LinearModel.fit([feats(t) for t in texts], [r["org"] for r in data], texts=texts, calibrate=False)
    for text in ("ямы на дорогах у дома 7", "Нет воды, нет воды! Дом 3", "яма яма яма", "", "!!!"):
        row = [*feats(text), *number_features(text), *char_features(text)]
        np.testing.assert_allclose(model.scores(feats(text), text), model.scores(row), rtol=1e-5, atol=1e-6)
        again = model.scores(feats(text), text)  # second time from the cache
        np.testing.assert_allclose(again, model.scores(row), rtol=1e-5, atol=1e-6)


def as_first_format(model):
    """The model's bytes as format 1 wrote them (same arrays, older header)."""
    import io
    import json

    import numpy as np

    with np.load(io.BytesIO(model.to_bytes())) as z:
        parts = {k: z[k] for k in z.files}
    header = json.loads(parts["header"].tobytes().decode())
    parts["header"] = np.frombuffer(json.dumps({**header, "format": 1}).encode(), dtype=np.uint8)
    buf = io.BytesIO()
    np.savez(buf, **parts)
    return buf.getvalue()


def test_a_character_model_of_the_first_format_is_refused_with_a_reason():
    import pytest

    data = rows(12)
    texts = [r["text"] for r in data]
    model = LinearModel.fit([feats(t) for t in texts], [r["org"] for r in data], texts=texts, calibrate=False)
    with pytest.raises(ValueError, match="переобучите"):
        LinearModel.from_bytes(as_first_format(model))
    word_only = train_model()  # a lemma-only model of format 1 still loads and predicts the same
    f = feats("нет воды в доме 3", "Шаумянский")
    again = LinearModel.from_bytes(as_first_format(word_only))
    assert [s.label for s in again.predict(f)] == [s.label for s in word_only.predict(f)]


def test_threads_sharing_a_model_get_the_scores_one_thread_gets(monkeypatch):
    """A worker's threads share the model and its per-word cache, which is cleared when full."""
    from concurrent.futures import ThreadPoolExecutor

    import numpy as np

    from otklik.triage import routing

    data = rows(12)
    texts = [r["text"] for r in data]
    model = LinearModel.fit([feats(t) for t in texts], [r["org"] for r in data], texts=texts, calibrate=False)
    probes = [f"{t} слово{i} ещё{i % 7} дом {i}" for i, t in enumerate(texts * 5)]
    expected = [model.scores(feats(t), t) for t in probes]  # one thread, the cache never cleared
    monkeypatch.setattr(routing, "WORD_CACHE_SIZE", 40)  # clear often while the threads run
    with ThreadPoolExecutor(4) as pool:
        got = list(pool.map(lambda t: model.scores(feats(t), t), probes * 4))
    for e, g in zip(expected * 4, got, strict=True):
        np.testing.assert_allclose(g, e, rtol=1e-5, atol=1e-6)
