#!/usr/bin/env bash
# Checks the load-balancer configurations docs/deployment.md shows, as printed there: the ```nginx
# block with `nginx -t` (inside a minimal nginx.conf, as a site file is included), and the
# ```haproxy block with `haproxy -c` when HAProxy is installed. The certificate paths are replaced
# by a throw-away self-signed certificate; nothing listens. Exit 77 (skipped) without nginx.
# Usage: check_deployment_configs.sh DOC
set -euo pipefail
doc=$1
nginx=$(command -v nginx || { [[ -x /usr/sbin/nginx ]] && echo /usr/sbin/nginx; } || true)
[[ -n $nginx ]] || { echo "nginx not installed: skipped"; exit 77; }
work=$(mktemp -d /tmp/crmd-deploy-check.XXXXXX)
trap 'rm -rf "$work"' EXIT

block() { awk -v lang="$1" '$0 == "```" lang { on = 1; next } on && $0 == "```" { exit } on { print }' "$doc"; }

openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=crm.example.com \
  -keyout "$work/key.pem" -out "$work/cert.pem" 2>/dev/null
cat "$work/cert.pem" "$work/key.pem" >"$work/both.pem"

site=$(block nginx)
[[ -n $site ]] || { echo "no nginx block in $doc"; exit 1; }
mkdir -p "$work/logs"
{
  echo "pid $work/nginx.pid;"
  echo "error_log $work/logs/error.log;"
  echo "events {}"
  echo "http {"
  sed -e "s#/etc/ssl/certs/crm.example.com.pem#$work/cert.pem#" \
    -e "s#/etc/ssl/private/crm.example.com.key#$work/key.pem#" <<<"$site"
  echo "}"
} >"$work/nginx.conf"
"$nginx" -t -p "$work" -e "$work/logs/error.log" -c "$work/nginx.conf"

haproxy=$(command -v haproxy || { [[ -x /usr/sbin/haproxy ]] && echo /usr/sbin/haproxy; } || true)
if [[ -n $haproxy ]]; then
  config=$(block haproxy)
  [[ -n $config ]] || { echo "no haproxy block in $doc"; exit 1; }
  sed -e "s#/etc/haproxy/crm.example.com.pem#$work/both.pem#" <<<"$config" >"$work/haproxy.cfg"
  "$haproxy" -c -f "$work/haproxy.cfg"
else
  echo "haproxy not installed: its block is not checked"
fi
