#!/bin/sh
# Nagios (or Icinga 1 / Naemon) notification command for aftercare: POSTs one notification to
# /hooks/nagios. Install as /usr/local/bin/aftercare-notify.sh (chmod 755) and put the address and
# token in /etc/aftercare/nagios.env (readable by the nagios user only):
#   AFTERCARE_URL=https://aftercare.example.com
#   AFTERCARE_HOOK_TOKEN=<the token>
# Arguments: <type> <host> <service, empty for a host> <state> <output> [system] [author] [comment] [host system]
#   type: $NOTIFICATIONTYPE$ (PROBLEM, RECOVERY, ACKNOWLEDGEMENT, FLAPPINGSTART/STOP/DISABLED,
#   DOWNTIMESTART/END/CANCELLED, CUSTOM); author and comment: $NOTIFICATIONAUTHOR$ and
#   $NOTIFICATIONCOMMENT$ (who acknowledged or scheduled the downtime); the host's system is used when
#   the service names none. Works the same from Icinga 1 and Naemon (same macros).
# See examples/nagios/commands.cfg for the command and contact definitions.
set -eu
ENV_FILE="${AFTERCARE_ENV_FILE:-/etc/aftercare/nagios.env}"
# shellcheck disable=SC1090
[ -r "$ENV_FILE" ] && . "$ENV_FILE"
: "${AFTERCARE_URL:?set AFTERCARE_URL in $ENV_FILE}"
: "${AFTERCARE_HOOK_TOKEN:?set AFTERCARE_HOOK_TOKEN in $ENV_FILE}"
exec curl -fsS --max-time 10 --retry 3 --retry-all-errors -o /dev/null \
  -H "Authorization: Bearer $AFTERCARE_HOOK_TOKEN" \
  --data-urlencode "type=${1:-}" \
  --data-urlencode "host=${2:-}" \
  --data-urlencode "service=${3:-}" \
  --data-urlencode "state=${4:-}" \
  --data-urlencode "output=${5:-}" \
  --data-urlencode "system=${6:-${9:-}}" \
  --data-urlencode "author=${7:-}" \
  --data-urlencode "comment=${8:-}" \
  "${AFTERCARE_URL%/}/hooks/nagios"
