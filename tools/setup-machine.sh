#!/usr/bin/env bash
# The system packages the test suite needs, in one place (called by `npm test` through
# tools/run-tests.js and by .ci/run):
#   python3-torch          real PyTorch: the exporter / oracle tests (frontend-pytorch torch.spec)
#   dataset-fashion-mnist  Fashion-MNIST IDX files: NAS training (searcher-boshnas)
#   redis-server           the BullMQ queue tests (executor redis-executor.spec, cli queue.spec)
#   chromium               report.html opened in a headless browser (cli report-browser.spec)
# Installs the missing ones with apt-get when it can (root, or password-less sudo); otherwise prints
# the command to run and exits 1. Does nothing when everything is present or apt-get is missing
# (not Debian: the packages' tests then say what they skipped).
#   tools/setup-machine.sh           install what is missing
#   tools/setup-machine.sh --check   only report; exit 1 when something is missing
#   tools/setup-machine.sh --list    print the package names
set -euo pipefail

PACKAGES=(python3-torch dataset-fashion-mnist redis-server chromium)

case "${1:-}" in
  --list) printf '%s\n' "${PACKAGES[@]}"; exit 0 ;;
  --check | '') ;;
  *) echo "setup-machine.sh: unknown option '$1' (use --check or --list)" >&2; exit 2 ;;
esac

if ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
  echo "setup-machine.sh: no apt-get/dpkg here (not Debian); install the equivalents of: ${PACKAGES[*]}" >&2
  exit 0
fi

missing=()
for p in "${PACKAGES[@]}"; do
  # "install ok installed" only: a removed package leaves "deinstall ok config-files" behind
  [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)" = "install ok installed" ] || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "${1:-}" = --check ]; then
  echo "setup-machine.sh: missing Debian packages: ${missing[*]}" >&2
  exit 1
fi

if [ "$(id -u)" -eq 0 ]; then
  sudo=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  sudo=(sudo -n)
else
  echo "setup-machine.sh: missing Debian packages: ${missing[*]}" >&2
  echo "  run as root: apt-get update && apt-get install -y ${missing[*]}" >&2
  exit 1
fi

echo "setup-machine.sh: installing ${missing[*]} (apt-get)" >&2
"${sudo[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
