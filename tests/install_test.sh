#!/bin/sh
# rlc tests: `cmake --install BUILD --prefix P` gives a P/bin/rlc that works from any working
# directory and reads its data from P/share/rlc (the MuJoCo models from P/share/rlc/mujoco),
# even with RLC_DATA_DIR set to nothing. Run by CTest (test `install`):
#   install_test.sh CMAKE_COMMAND BUILD_DIR HAVE_MUJOCO(0|1)
set -eu
cmake_cmd=$1
build=$2
have_mujoco=$3

prefix=$(mktemp -d "${TMPDIR:-/tmp}/rlc_install.XXXXXX")
prefix=$(cd "$prefix" && pwd -P)   # the path the program sees in /proc/self/exe
trap 'rm -rf "$prefix"' EXIT INT TERM

fail() { echo "install test: $*" >&2; exit 1; }

"$cmake_cmd" --install "$build" --prefix "$prefix" > /dev/null
[ -x "$prefix/bin/rlc" ] || fail "no $prefix/bin/rlc"
[ -f "$prefix/share/rlc/configs/ppo_cartpole.yaml" ] || fail "configs not installed under share/rlc/configs"

# a working directory outside the source and build trees, and no data directory from the caller
mkdir "$prefix/work"
cd "$prefix/work"
RLC_DATA_DIR=
export RLC_DATA_DIR

"$prefix/bin/rlc" envs > envs.txt || fail "rlc envs failed"
grep -q '^CartPole-v1 ' envs.txt || fail "rlc envs does not list CartPole-v1: $(cat envs.txt)"

if [ "$have_mujoco" = 1 ]; then
    [ -f "$prefix/share/rlc/mujoco/hopper.xml" ] || fail "MuJoCo models not installed under share/rlc/mujoco"
    grep -q '^Hopper-v5 ' envs.txt || fail "rlc envs does not list Hopper-v5"
    dir=$("$prefix/bin/rlc" envs --data-dir) || fail "rlc envs --data-dir failed"
    [ "$dir" = "$prefix/share/rlc/mujoco" ] ||
        fail "the installed rlc reads its models from $dir, not $prefix/share/rlc/mujoco"
    "$prefix/bin/rlc" check-env Hopper-v5 --steps 500 > check.txt ||
        fail "rlc check-env Hopper-v5 failed: $(cat check.txt)"
fi
echo "install test passed ($prefix)"
