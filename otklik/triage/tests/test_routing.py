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
