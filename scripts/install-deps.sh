#!/usr/bin/env bash
# Installs rlc's system dependencies from Debian's packages (Debian 12). Idempotent: when every
# package is already installed it only checks and exits, without touching apt.
#   scripts/install-deps.sh          what building, training and testing need
#   scripts/install-deps.sh --dev    also python3-torch and python3-numpy (fixture generators)
set -euo pipefail

packages=(build-essential cmake pkg-config libopenblas-dev libyaml-dev libcjson-dev
          libcriterion-dev libmujoco-dev libplplot-dev plplot-driver-cairo
          libopenmpi-dev openmpi-bin)
if [[ "${1:-}" == "--dev" ]]; then
  packages+=(python3-torch python3-numpy)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [[ ${#missing[@]} -eq 0 ]]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

sudo=""
if [[ $(id -u) -ne 0 ]]; then
  sudo="sudo"
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
