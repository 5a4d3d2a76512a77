#!/usr/bin/env bash
# Known vulnerabilities in the pinned dependencies (requirements.txt), via pip-audit.
# A finding fails the run. When the vulnerability service cannot be reached (no network,
# PyPI/OSV down, timeout) it only reports that and succeeds: an outage must not block CI.
set -uo pipefail
cd "$(dirname "$0")/.."
AUDIT=${PIP_AUDIT:-.venv/bin/pip-audit}
REQS=${PIP_AUDIT_REQUIREMENTS:-requirements.txt}
LIMIT=${PIP_AUDIT_TIMEOUT:-180}
out=$(mktemp)
err=$(mktemp)
trap 'rm -f "$out" "$err"' EXIT

# --no-deps --disable-pip: every dependency is pinned, so audit the list as is (no resolver, no venv).
# shellcheck disable=SC2086
timeout "$LIMIT" "$AUDIT" -r "$REQS" --no-deps --disable-pip --progress-spinner off \
  --timeout 30 --format json ${PIP_AUDIT_ARGS:-} >"$out" 2>"$err"
rc=$?

if [ $rc -eq 124 ]; then
  echo "pip-audit: ПРЕДУПРЕЖДЕНИЕ — служба уязвимостей не ответила за ${LIMIT} с; проверка пропущена" >&2
  exit 0
fi
# Judge by the JSON report, not the exit code alone: a mirror without PyPI's JSON API makes
# pip-audit "skip" every package and say "no known vulnerabilities" — that is not a pass.
.venv/bin/python - "$out" "$err" <<'PY'
import json, sys
try:
    data = json.load(open(sys.argv[1]))
except Exception:
    tail = open(sys.argv[2]).read().strip().splitlines()[-3:]
    print("pip-audit: ПРЕДУПРЕЖДЕНИЕ — проверка не выполнена (служба уязвимостей недоступна?):", *tail, sep="\n", file=sys.stderr)
    sys.exit(0)
deps = data.get("dependencies", [])
skipped = [d for d in deps if d.get("skip_reason")]
found = [
    f"{d['name']} {d.get('version', '')}: {v['id']} (исправлено в: {', '.join(v.get('fix_versions') or []) or 'нет исправления'})"
    for d in deps
    for v in d.get("vulns", [])
]
if found:
    print("pip-audit: найдены уязвимости в зависимостях:", *found, sep="\n", file=sys.stderr)
    sys.exit(1)
if deps and len(skipped) == len(deps):
    print(f"pip-audit: ПРЕДУПРЕЖДЕНИЕ — служба уязвимостей недоступна: ни один из {len(deps)} пакетов не проверен "
          f"({skipped[0]['skip_reason']})", file=sys.stderr)
elif skipped:
    names = ", ".join(d["name"] for d in skipped[:10])
    print(f"pip-audit: проверено {len(deps) - len(skipped)} пакетов, уязвимостей нет; не проверены {len(skipped)}: {names}")
else:
    print(f"pip-audit: проверено {len(deps)} пакетов, известных уязвимостей нет")
PY
