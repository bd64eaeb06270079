#!/usr/bin/env bash
# The Python tools the tests use, in a venv under target/ (PyPI is the only source needed):
# aiosmtpd (a real SMTP server), libcoveocds (offline OCDS validation), openapi-spec-validator,
# schemathesis (schema-driven fuzzing of the API, tests/support/fuzz.sh).
set -euo pipefail
cd "$(dirname "$0")/../.."
VENV=target/pyenv
want="aiosmtpd==1.4.6 libcoveocds==0.17.0 openapi-spec-validator schemathesis==4.32.5"
if [ -x "$VENV/bin/python" ] && [ -f "$VENV/.installed" ] && [ "$(cat "$VENV/.installed")" = "$want" ]; then
  exit 0
fi
python3 -m venv "$VENV"
"$VENV/bin/pip" install --quiet --disable-pip-version-check $want
echo "$want" > "$VENV/.installed"
