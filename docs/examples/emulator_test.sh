#!/usr/bin/env bash
# A test of "your code" in shell against omniauth-emulator, with curl only: Resonite on a
# fixed port with the default seed, the 2FA login of the demo account, a fault through the
# control API, then SIGTERM.
#
# Run: OMNIAUTH_EMULATOR=path/to/omniauth-emulator bash docs/examples/emulator_test.sh
set -euo pipefail

emulator=${OMNIAUTH_EMULATOR:-omniauth-emulator}
tmp=$(mktemp -d)
pid=
finish() {
  if [ -n "$pid" ]; then kill -TERM "$pid" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap finish EXIT

# Port 0: a free one; the ready file says which.
"$emulator" resonite --port 0 --ready-file "$tmp/ready.json" >"$tmp/stdout" &
pid=$!
for _ in $(seq 600); do
  [ -s "$tmp/ready.json" ] && break
  kill -0 "$pid" 2>/dev/null || { echo "the emulator exited early" >&2; exit 1; }
  sleep 0.1
done
# stdout has one line a service: `resonite http://127.0.0.1:PORT`.
base=$(sed -n 's/^resonite //p' "$tmp/stdout")
[ -n "$base" ] || { echo "no resonite line on stdout" >&2; exit 1; }

login() { # login [TOTP code] -> prints the HTTP status
  curl -s -o "$tmp/body" -w '%{http_code}' -X POST "$base/userSessions" \
    -H 'Content-Type: application/json' -H 'UID: shell-example' ${1:+-H "TOTP: $1"} \
    -d '{"username":"demo","authentication":{"$type":"password","password":"a demo password"},"secretMachineId":"shell-example","rememberMe":false}'
}

# The demo account has 2FA: without the code, 403 `TOTP`.
[ "$(login)" = 403 ] && grep -qx TOTP "$tmp/body"
# With the seed's code, a user session.
[ "$(login 123456)" = 200 ] && grep -q '"token"' "$tmp/body"

# A fault through the control API: the next login answers 429 with Retry-After: 5.
curl -sf -X POST "$base/__omniauth/faults" -H 'Content-Type: application/json' \
  -d '{"path":"/userSessions","method":"POST","times":1,"fault":{"type":"status","status":429,"retry_after_secs":5}}'
[ "$(login 123456)" = 429 ]
[ "$(login 123456)" = 200 ]

# The request log: four logins arrived.
[ "$(curl -sf "$base/__omniauth/requests" | grep -o '"path":"/userSessions"' | wc -l)" -eq 4 ]

kill -TERM "$pid"
wait "$pid"
pid=
echo "shell example: ok"
