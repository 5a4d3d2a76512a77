"""Import a municipality's streets and settlements (CSV or OpenStreetMap extract)."""

from __future__ import annotations

import bz2
import gzip
import json
from pathlib import Path
from typing import IO, Any
from xml.etree.ElementTree import ParseError

from defusedxml import ElementTree
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from otklik.directory.models import Municipality, Organization
from otklik.triage.models import GazetteerEntry
from otklik.triage.training import read_rows

_KINDS = {
    "street": GazetteerEntry.Kind.STREET,
    "улица": GazetteerEntry.Kind.STREET,
    "settlement": GazetteerEntry.Kind.SETTLEMENT,
    "населённый пункт": GazetteerEntry.Kind.SETTLEMENT,
    "населенный пункт": GazetteerEntry.Kind.SETTLEMENT,
    "microdistrict": GazetteerEntry.Kind.MICRODISTRICT,
    "микрорайон": GazetteerEntry.Kind.MICRODISTRICT,
    "district": GazetteerEntry.Kind.DISTRICT,
    "район": GazetteerEntry.Kind.DISTRICT,
    "территория": GazetteerEntry.Kind.DISTRICT,
}
# OpenStreetMap tags (wiki.openstreetmap.org: Key:highway, Key:place).
_OSM_STREETS = frozenset(
    "motorway trunk primary secondary tertiary unclassified residential living_street pedestrian service road".split()
)
_OSM_SETTLEMENTS = frozenset("city town village hamlet isolated_dwelling farm allotments".split())
_OSM_MICRODISTRICTS = frozenset("suburb quarter neighbourhood".split())


def _open(path: Path) -> IO[bytes]:
    with open(path, "rb") as fh:
        magic = fh.read(3)
    if magic[:2] == b"\x1f\x8b":
        return gzip.open(path, "rb")  # type: ignore[return-value]
    if magic == b"BZh":
        return bz2.open(path, "rb")  # type: ignore[return-value]
    return open(path, "rb")  # noqa: SIM115


def osm_places(path: Path) -> list[dict[str, Any]]:
    """Named streets, settlements and microdistricts of an .osm XML extract."""
    found: dict[tuple[str, str], dict[str, Any]] = {}
    with _open(path) as fh:
        for _event, elem in ElementTree.iterparse(fh, events=("end",)):
            if elem.tag not in ("node", "way", "relation"):
                continue
            tags = {t.get("k"): t.get("v") for t in elem.findall("tag")}
            name = (tags.get("name:ru") or tags.get("name") or "").strip()
            kind = None
            if tags.get("highway") in _OSM_STREETS:
                kind = GazetteerEntry.Kind.STREET
            elif tags.get("place") in _OSM_SETTLEMENTS:
                kind = GazetteerEntry.Kind.SETTLEMENT
            elif tags.get("place") in _OSM_MICRODISTRICTS:
                kind = GazetteerEntry.Kind.MICRODISTRICT
            if name and kind and (kind, name) not in found:
                found[(kind, name)] = {"name": name, "kind": kind, "osm_id": f"{elem.tag[0]}{elem.get('id', '')}"}
            elem.clear()
    return list(found.values())


class Command(BaseCommand):
    help = (
        "Загрузить справочник мест муниципалитета (улицы, населённые пункты, микрорайоны) из CSV "
        "(столбцы name, kind, department, area) или из выгрузки OpenStreetMap (.osm, .osm.gz, .osm.bz2)."
    )

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("path", help="файл CSV или .osm")
        parser.add_argument("--municipality", required=True, help="код муниципалитета")
        parser.add_argument("--format", choices=["csv", "osm"], default=None, help="по умолчанию — по расширению")
        parser.add_argument(
            "--department", default=None, help="территориальное управление для всех строк (id или краткое имя)"
        )
        parser.add_argument("--area", default="", help="название территории для всех строк")
        parser.add_argument("--replace", action="store_true", help="сначала удалить места из того же источника")
        parser.add_argument("--dry-run", action="store_true", help="только проверить файл")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **opts):  # type: ignore[no-untyped-def]
        municipality = Municipality.objects.filter(slug=opts["municipality"]).first()
        if municipality is None:
            raise CommandError(f"нет муниципалитета с кодом «{opts['municipality']}»")
        path = Path(opts["path"])
        if not path.exists():
            raise CommandError(f"файл не найден: {path}")
        fmt = opts["format"] or ("osm" if ".osm" in path.name or path.suffix == ".xml" else "csv")
        departments = self._departments(municipality)
        default_department = self._department(departments, opts["department"]) if opts["department"] else None
        rows: list[dict[str, Any]] = []
        problems: list[str] = []
        try:
            if fmt == "osm":
                rows = osm_places(path)
            else:
                for line, row in enumerate(read_rows(path, ["name"]), start=2):
                    name = (row.get("name") or "").strip()
                    kind_raw = (row.get("kind") or "").strip().lower()
                    kind = _KINDS.get(kind_raw, GazetteerEntry.Kind.STREET if not kind_raw else None)
                    if not name or kind is None:
                        problems.append(f"строка {line}: " + ("нет названия" if not name else f"вид «{kind_raw}»?"))
                        continue
                    dep_raw = (row.get("department") or "").strip()
                    try:
                        department = self._department(departments, dep_raw) if dep_raw else None
                    except CommandError as exc:
                        problems.append(f"строка {line}: {exc}")
                        continue
                    rows.append({"name": name, "kind": kind, "department": department, "area": row.get("area") or ""})
        except (OSError, KeyError, UnicodeDecodeError, ParseError) as exc:
            raise CommandError(f"не удалось прочитать {path}: {exc}") from exc
        source = fmt
        created = updated = 0
        if not opts["dry_run"]:
            with transaction.atomic():
                if opts["replace"]:
                    GazetteerEntry.objects.filter(municipality=municipality, source=source).delete()
                for r in rows:
                    department = r.get("department") or default_department
                    area = (r.get("area") or opts["area"] or "").strip()
                    if not department and not area and r["kind"] == GazetteerEntry.Kind.SETTLEMENT:
                        area = r["name"]  # a settlement is its own territory unless told otherwise
                    _, was_created = GazetteerEntry.objects.update_or_create(
                        municipality=municipality,
                        kind=r["kind"],
                        name=r["name"][:200],
                        defaults={
                            "department": department,
                            "area": area[:200],
                            "source": source,
                            "osm_id": r.get("osm_id", ""),
                        },
                    )
                    created += was_created
                    updated += not was_created
        report = {"read": len(rows), "created": created, "updated": updated, "skipped": problems}
        if opts["json"]:
            self.stdout.write(json.dumps(report, ensure_ascii=False))
            return
        self.stdout.write(
            f"Прочитано мест: {len(rows)}; добавлено: {created}; обновлено: {updated}; пропущено строк: {len(problems)}"
        )
        for p in problems[:20]:
            self.stdout.write(f"  {p}")

    @staticmethod
    def _departments(municipality: Municipality) -> dict[str, Organization]:
        out: dict[str, Organization] = {}
        for org in Organization.objects.filter(municipality=municipality, is_active=True):
            out[str(org.pk)] = org
            out[org.short_name.lower()] = org
        return out

    @staticmethod
    def _department(departments: dict[str, Organization], key: str) -> Organization:
        org = departments.get(key.strip().lower())
        if org is None:
            raise CommandError(f"нет организации «{key}» в этом муниципалитете")
        return org
