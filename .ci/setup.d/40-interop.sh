# Third-party SignalR peers for tests/tests/interop_*.rs, from the registries, pinned:
# @microsoft/signalr (npm, tests/interop/js/package-lock.json) into tests/interop/js/node_modules,
# and the PyPI packages of tests/interop/py/requirements.txt into tests/interop/py/.venv (both
# git-ignored). Nothing here keeps running, so nothing is added to `cleanup`.
# Sourced by .ci/run (set -euo pipefail holds): a failed install fails CI.
interop_started=$SECONDS
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  apt-get update -qq && apt-get install -y -qq nodejs npm >/dev/null
fi
npm ci --prefix tests/interop/js --no-audit --no-fund --loglevel=error
if [ -f tests/interop/py/requirements.txt ]; then
  if [ ! -x tests/interop/py/.venv/bin/python ]; then
    if ! python3 -m venv tests/interop/py/.venv; then
      # Debian's python3 ships venv (with ensurepip) as a package of its own.
      rm -rf tests/interop/py/.venv
      apt-get update -qq && apt-get install -y -qq python3-venv >/dev/null
      python3 -m venv tests/interop/py/.venv
    fi
  fi
  tests/interop/py/.venv/bin/pip install --quiet --disable-pip-version-check \
    -r tests/interop/py/requirements.txt
fi
echo "==> interop peers installed in $((SECONDS - interop_started)) s" >&2
