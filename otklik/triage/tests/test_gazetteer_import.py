"""triage_gazetteer_import: streets and settlements from CSV or OSM, routing by territory."""

import gzip
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from otklik.directory.models import Organization
from otklik.triage.models import GazetteerEntry
from otklik.triage.services import triage_post

from .test_subscriber import make_post

pytestmark = pytest.mark.django_db

OSM = """<?xml version='1.0' encoding='UTF-8'?>
<osm version="0.6">
  <node id="1" lat="44.1" lon="43.4"><tag k="place" v="village"/><tag k="name" v="Незлобная"/></node>
  <node id="2" lat="44.1" lon="43.4"><tag k="amenity" v="cafe"/><tag k="name" v="Кафе"/></node>
  <way id="10"><nd ref="1"/><tag k="highway" v="residential"/><tag k="name" v="улица Калинина"/></way>
  <way id="11"><nd ref="1"/><tag k="highway" v="residential"/><tag k="name" v="улица Калинина"/></way>
  <way id="12"><nd ref="1"/><tag k="place" v="neighbourhood"/><tag k="name" v="микрорайон Северный"/></way>
</osm>
"""


def territorial(cast, name):
    return Organization.objects.create(
        municipality=cast.municipality, parent=cast.admin_org, kind="territorial", name=name, short_name=name
    )


def run(*args):
    out = StringIO()
    call_command("triage_gazetteer_import", *args, "--municipality", "georgievsk", stdout=out)
    return out.getvalue()


def test_it_imports_a_csv_and_reports_bad_rows_without_losing_the_good_ones(cast, tmp_path):
    dep = territorial(cast, "Незлобненский ТО")
    path = tmp_path / "places.csv"
    path.write_text(
        "name,kind,department,area\n"
        "Незлобная,населённый пункт,Незлобненский ТО,\n"
        "улица Калинина,улица,,Центр\n"
        ",улица,,\n"
        "Мира,планета,,\n"
        "Ленина,улица,Нет такого,\n",
        encoding="utf-8",
    )
    report = run(str(path))
    assert "добавлено: 2" in report and "пропущено строк: 3" in report
    assert "строка 6: нет организации «Нет такого»" in report
    assert GazetteerEntry.objects.get(name="Незлобная").department == dep
    assert GazetteerEntry.objects.get(name="улица Калинина").area_label == "Центр"
    run(str(path))  # again: updated, not duplicated
    assert GazetteerEntry.objects.count() == 2


def test_it_imports_named_streets_places_and_microdistricts_from_an_osm_extract(cast, tmp_path):
    dep = territorial(cast, "Центральный ТО")
    path = tmp_path / "region.osm.gz"
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        fh.write(OSM)
    run(str(path), "--department", "Центральный ТО")
    got = {(e.kind, e.name) for e in GazetteerEntry.objects.all()}
    assert got == {("settlement", "Незлобная"), ("street", "улица Калинина"), ("microdistrict", "микрорайон Северный")}
    assert all(e.department == dep and e.source == "osm" for e in GazetteerEntry.objects.all())


def test_bad_input_gets_a_clear_error(cast, tmp_path):
    with pytest.raises(CommandError, match="файл не найден"):
        run(str(tmp_path / "nope.csv"))
    broken = tmp_path / "broken.osm"
    broken.write_text("<osm><node", encoding="utf-8")
    with pytest.raises(CommandError, match="не удалось прочитать"):
        run(str(broken))
    with pytest.raises(CommandError, match="нет муниципалитета"):
        call_command("triage_gazetteer_import", str(broken), "--municipality", "nowhere")


def test_a_message_about_a_place_is_routed_to_its_territorial_department(cast):
    dep = territorial(cast, "Незлобненский ТО")
    GazetteerEntry.objects.create(
        municipality=cast.municipality, name="станица Незлобная", kind="settlement", department=dep
    )
    result = triage_post(make_post(cast, "В станице Незлобной третий день нет воды, когда дадут?").pk)
    assert result.areas == ["Незлобненский ТО"]
    suggested = {s["organization_id"]: s for s in result.suggestions}
    assert dep.pk in suggested
    assert "место: Незлобненский ТО" in suggested[dep.pk]["reasons"]
