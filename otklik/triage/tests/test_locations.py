from otklik.triage.locations import Gazetteer, extract_addresses
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
