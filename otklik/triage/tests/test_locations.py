from otklik.triage.locations import Gazetteer, extract_addresses, find_addresses
from otklik.triage.pipeline import Triager
from otklik.triage.text import normalize


def test_the_gazetteer_finds_places_by_lemmas():
    g = Gazetteer({"Ленина": "Центр", "посёлок Шаумянский": "Шаумянский", "Новая Деревня": "Новая Деревня"})
    assert g.areas(normalize("Яма на улице Ленина у поселка Шаумянского").lemmas) == ["Центр", "Шаумянский"]
    assert g.areas(normalize("в посёлке Шаумянском нет воды").lemmas) == ["Шаумянский"]
    assert g.areas(normalize("Спасибо").lemmas) == []


def test_it_extracts_addresses_by_rule():
    nt = normalize("Яма у дома ул. Ленина, д. 5 и на пр. Мира; в пос. Шаумянский тоже")
    assert extract_addresses(nt) == ["ул. Ленина, д. 5", "пр. Мира", "пос. Шаумянский"]


def test_a_gazetteer_area_reaches_the_result():
    triager = Triager(gazetteer=Gazetteer({"Шаумянский": "Шаумянский"}))
    assert triager.run("В Шаумянском нет воды").areas == ["Шаумянский"]


def test_it_extracts_streets_settlements_and_microdistricts_in_declined_forms():
    def keys(text):
        return [a.key for a in find_addresses(normalize(text))]

    assert keys("Яма на улице Ленина 12, и на Калинина 45 тоже") == ["ленин 12", "калинин 45"]
    assert keys("В ст. Незлобная нет воды") == ["незлобный"]
    assert keys("в станице Незлобной нет воды") == ["незлобный"]
    assert keys("в микрорайоне Берёзовый 4а темно, мкр. Северный, дом 3") == ["березовый 4а", "северный 3"]
    assert keys("ул.Гагарина 9/1") == ["гагарин 9/1"]
    assert keys("На Калинина уже неделю темно") == []  # no kind and no house number: not an address


def test_the_gazetteer_maps_a_declined_street_to_its_department():
    g = Gazetteer({"станица Незлобная": "Незлобненский отдел", "улица Калинина": "Центральный отдел"})
    assert g.areas(normalize("В станице Незлобной нет воды").lemmas) == ["Незлобненский отдел"]
    assert g.areas(normalize("Яма на Калинина 45").lemmas) == ["Центральный отдел"]
