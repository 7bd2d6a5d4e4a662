#!/usr/bin/env bash
# Installs rlc's system dependencies from Debian's packages (Debian 12). Idempotent: when every
# package is already installed it only checks and exits, without touching apt.
#   scripts/install-deps.sh          what building, training and testing need (python3-numpy:
#                                    the Python package's tests; OSMesa, cairo, FFmpeg's libraries
#                                    and giflib: rlc record; LIBXSMM: the small GEMMs; Box2D:
#                                    LunarLander)
#   scripts/install-deps.sh --dev    also python3-torch (fixture generators)
#   scripts/install-deps.sh --fuzz   also clang-14 and libclang-rt-14-dev (libFuzzer and the
#                                    sanitizer runtimes for clang: scripts/fuzz.sh, CI)
# The flags combine: scripts/install-deps.sh --dev --fuzz
set -euo pipefail

packages=(build-essential cmake pkg-config libopenblas-dev libyaml-dev libcjson-dev
          libcriterion-dev libmujoco-dev libplplot-dev plplot-driver-cairo python3-numpy
          libopenmpi-dev openmpi-bin protobuf-c-compiler libprotobuf-c-dev
          libosmesa6-dev libcairo2-dev libavcodec-dev libavformat-dev libswscale-dev libavutil-dev
          libgif-dev libxsmm-dev libbox2d-dev)
for flag in "$@"; do
  case $flag in
    --dev) packages+=(python3-torch) ;;
    --fuzz) packages+=(clang-14 libclang-rt-14-dev) ;;
    *) echo "install-deps: unknown option '$flag' (expected --dev or --fuzz)" >&2; exit 2 ;;
  esac
done

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
