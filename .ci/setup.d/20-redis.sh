# Redis for the RedisStore tests (tests/tests/redis_store.rs, tests/tests/fleet_refresh.rs):
# Debian's redis-server on a free loopback port, with a password and no persistence.
# Exports REDIS_URL (and REDIS_SERVER, the binary, for the tests that start their own server
# to restart it); stopped at the end by its PID.
# openssl makes the certificates of the TLS (rediss://) test.
if ! command -v redis-server >/dev/null 2>&1 || ! command -v openssl >/dev/null 2>&1; then
  echo "installing redis-server and openssl" >&2
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server openssl >&2
fi
redis_port=""
for _ in $(seq 1 50); do
  candidate=$((20000 + RANDOM % 20000))
  # A port nobody answers on is free (connect fails at once on loopback).
  if ! (exec 3<>"/dev/tcp/127.0.0.1/$candidate") 2>/dev/null; then
    redis_port=$candidate
    break
  fi
done
[ -n "$redis_port" ] || { echo "no free port for redis-server" >&2; exit 1; }
redis_dir=$(mktemp -d)
redis_password="ci-$RANDOM$RANDOM"
redis-server --bind 127.0.0.1 --port "$redis_port" --requirepass "$redis_password" \
  --save '' --appendonly no --dir "$redis_dir" --daemonize no --loglevel warning \
  >"$redis_dir/log" 2>&1 &
redis_pid=$!
cleanup+=("kill $redis_pid; wait $redis_pid 2>/dev/null; rm -rf '$redis_dir'")
for _ in $(seq 1 100); do
  if [ "$(redis-cli -h 127.0.0.1 -p "$redis_port" -a "$redis_password" --no-auth-warning ping 2>/dev/null)" = PONG ]; then
    break
  fi
  kill -0 "$redis_pid" 2>/dev/null || { cat "$redis_dir/log" >&2; exit 1; }
  sleep 0.1
done
export REDIS_URL="redis://default:$redis_password@127.0.0.1:$redis_port/0"
REDIS_SERVER=$(command -v redis-server)
export REDIS_SERVER
echo "redis-server $redis_pid on 127.0.0.1:$redis_port" >&2
