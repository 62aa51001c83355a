#!/usr/bin/env bash
# `make varnish`: gunicorn on 127.0.0.1:APP_PORT and Varnish in front of it on
# 127.0.0.1:VARNISH_PORT, the app purging Varnish after each change. Ctrl-C stops both.
# Uses the environment as it is (DATABASE_URL, REDIS_URL, SECRET_KEY...); DEBUG=1 and
# the loopback hosts by default, like `make demo`. Needs varnish and varnish-modules.
set -euo pipefail
cd "$(dirname "$0")/../.."
app_port=${APP_PORT:-8000}
varnish_port=${VARNISH_PORT:-6081}
admin_port=${VARNISH_ADMIN_PORT:-6082}
command -v varnishd >/dev/null || { echo "varnishd not found: apt-get install varnish varnish-modules" >&2; exit 1; }

# Readable by varnishd's unprivileged users when run as root.
work=${VARNISH_WORKDIR:-/tmp/hub-varnish-$varnish_port}
mkdir -p "$work"
chmod 755 "$work"
# The shared secret purges must carry (the VCL refuses them without): the environment's
# CACHE_PURGE_TOKEN, or a new one for this run, given to the app below.
token=${CACHE_PURGE_TOKEN:-$(.venv/bin/python -c 'import secrets; print(secrets.token_hex(32))')}
[[ $token =~ ^[A-Za-z0-9_-]{16,}$ ]] || { echo "CACHE_PURGE_TOKEN: 16 or more of A-Z a-z 0-9 _ -" >&2; exit 1; }
(umask 077 && sed -e "s/BACKEND_PORT/$app_port/" -e "s/PURGE_SECRET/$token/g" \
  deploy/varnish/default.vcl > "$work/default.vcl")
# It holds the secret: readable by varnishd's users (group varnish) when run as root.
if [[ $(id -u) == 0 ]]; then
  if getent group varnish >/dev/null; then chgrp varnish "$work/default.vcl" && chmod 640 "$work/default.vcl"
  else chmod 644 "$work/default.vcl"; fi
fi

export DEBUG=${DEBUG:-1}
export ALLOWED_HOSTS=${ALLOWED_HOSTS:-localhost,127.0.0.1}
export CACHE_PURGE_HOSTS=${CACHE_PURGE_HOSTS:-http://127.0.0.1:$varnish_port}
export CACHE_PURGE_TOKEN=$token
# Every request reaches the app from Varnish (127.0.0.1): the reader is the address Varnish
# appends to X-Forwarded-For. Count a TLS terminator in front of Varnish too (2).
export TRUSTED_PROXY_COUNT=${TRUSTED_PROXY_COUNT:-1}
.venv/bin/gunicorn hub.wsgi --workers "${WORKERS:-2}" --bind "127.0.0.1:$app_port" &
app=$!
trap 'kill "$app" 2>/dev/null || true' EXIT INT TERM
echo "Varnish on http://127.0.0.1:$varnish_port/ in front of the app on 127.0.0.1:$app_port"
varnishd -F -a "127.0.0.1:$varnish_port" -T "127.0.0.1:$admin_port" -n "$work/n" \
  -f "$work/default.vcl" -s malloc,256m
