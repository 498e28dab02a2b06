#!/bin/sh
# Runs `restic backup --json` and reports the run to aftercare (POST /hooks/backups/restic), failures
# included: restic's standard output and standard error go together (2>&1), so a fatal error such as
# "wrong password" and the "could not be read" warning of an incomplete run reach aftercare, and
# restic's exit code goes with them (&exit=). The script exits with restic's own code, so cron or a
# systemd timer still sees the failure.
#
# Usage: aftercare-restic.sh <system> <what to back up, and any other restic backup options…>
#   e.g. aftercare-restic.sh crm /srv/crm --exclude-caches
# Needs RESTIC_REPOSITORY and RESTIC_PASSWORD (or RESTIC_PASSWORD_FILE …) as restic itself does, and
# AFTERCARE_URL and AFTERCARE_HOOK_TOKEN, from the environment or from /etc/aftercare/restic.env.
set -u
ENV_FILE="${AFTERCARE_ENV_FILE:-/etc/aftercare/restic.env}"
# shellcheck disable=SC1090
[ -r "$ENV_FILE" ] && . "$ENV_FILE"
: "${AFTERCARE_URL:?set AFTERCARE_URL}"
: "${AFTERCARE_HOOK_TOKEN:?set AFTERCARE_HOOK_TOKEN}"
system="${1:?usage: aftercare-restic.sh <system> <paths and restic backup options>}"
shift

out="$(mktemp)"
trap 'rm -f "$out"' EXIT
restic backup --json "$@" >"$out" 2>&1
code=$?

# Every byte as %XX: the system name may be in any script (财务系统, "CRM Prod").
urlencode() { printf '%s' "$1" | od -An -tx1 -v | tr -d ' \n' | sed 's/\(..\)/%\1/g'; }

curl -fsS --max-time 30 --retry 3 --retry-all-errors -o /dev/null \
  -H "Authorization: Bearer $AFTERCARE_HOOK_TOKEN" \
  -H 'Content-Type: application/x-ndjson' \
  --data-binary "@$out" \
  "${AFTERCARE_URL%/}/hooks/backups/restic?system=$(urlencode "$system")&exit=$code" \
  || echo "aftercare-restic: could not report the run to aftercare" >&2
exit "$code"
