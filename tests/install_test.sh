#!/bin/sh
# rlc tests: `cmake --install BUILD --prefix P` gives a P/bin/rlc that works from any working
# directory and reads its data from P/share/rlc (the MuJoCo models from P/share/rlc/mujoco),
# even with RLC_DATA_DIR set to nothing; and that a plugin author needs only the installed
# prefix: the example plugin and a program using librlc compile with `pkg-config ... rlc` outside
# the source tree, and the installed rlc trains on the plugin. Run by CTest (test `install`):
#   install_test.sh CMAKE_COMMAND BUILD_DIR HAVE_MUJOCO(0|1) SOURCE_DIR [SANITIZER_FLAGS]
set -eu
cmake_cmd=$1
build=$2
have_mujoco=$3
source_dir=$4
# a sanitizer build's librlc needs the sanitizer runtime in the programs that link it
san_flags=${5:-}
run_linked() { if [ -n "$san_flags" ]; then ASAN_OPTIONS=detect_leaks=0 "$@"; else "$@"; fi; }

prefix=$(mktemp -d "${TMPDIR:-/tmp}/rlc_install.XXXXXX")
prefix=$(cd "$prefix" && pwd -P)   # the path the program sees in /proc/self/exe
# removed when the test passes, kept (and named) when it fails
trap 'st=$?; if [ $st -eq 0 ]; then rm -rf "$prefix"; else echo "install test: files kept in $prefix" >&2; fi' EXIT
trap 'exit 1' INT TERM

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

# headers, libraries and rlc.pc: build the example plugin and a program without the source tree
for f in include/rlc/envs/env.h include/rlc/core/rng.h include/rlc/api/rlc_api.h lib/librlc.so lib/librlc.a \
         lib/pkgconfig/rlc.pc; do
    [ -f "$prefix/$f" ] || fail "$f not installed"
done
PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
export PKG_CONFIG_PATH
mkdir plugin cfg
cp "$source_dir/examples/plugin_env/point_reach.c" plugin/
cflags=$(pkg-config --cflags rlc) || fail "pkg-config --cflags rlc failed"
libs=$(pkg-config --libs rlc) || fail "pkg-config --libs rlc failed"
case "$cflags" in *"$prefix/include/rlc"*) ;; *) fail "pkg-config --cflags rlc gives '$cflags'" ;; esac
# a plugin resolves env_register from the program that loads it: headers only
cc -std=c11 -O2 -Wall -Wextra -Werror -fPIC -shared $san_flags $cflags -o plugin/point_reach.so plugin/point_reach.c ||
    fail "the example plugin does not compile against the installed headers"
# a program linked with librlc (the stable C API): loads the plugin and steps its environment
cat > embed.c <<'EOF_C'
#include <stdio.h>
#include "api/rlc_api.h"
int main(int argc, char **argv)
{
    rlc_vec *v;
    if (argc < 2 || rlc_load_plugin(argv[1]) != 0 || rlc_vec_make(&v, "PointReach-v0", 2, 0, 1) != 0) {
        fprintf(stderr, "embed: %s\n", rlc_last_error());
        return 1;
    }
    float act[4] = {0.5f, -0.5f, 1.0f, 1.0f};
    int ok = rlc_vec_reset(v, 1) == 0 && rlc_vec_step(v, act, 4) == 0;
    /* C API 10: an image's shape (MinAtar's 10 x 10 x 4 bool channels), none for a vector */
    int rank = -1, shape[3] = {-1, -1, -1}, elem = -1;
    int image = rlc_env_obs_image("MinAtar/Breakout-v1", &rank, shape, &elem) == 0 && rank == 3 &&
                shape[0] == 10 && shape[1] == 10 && shape[2] == 4 && elem == 2;
    image = image && rlc_vec_obs_image(v, &rank, shape, &elem) == 0 && rank == 0 && shape[0] == 0 && elem == 0;
    image = image && rlc_vec_obs_image(NULL, &rank, shape, &elem) == 1 && rlc_policy_obs_image(NULL, NULL, NULL, NULL) == 1;
    rlc_vec_free(v);
    if (ok && !image) fprintf(stderr, "embed: rlc_*_obs_image: rank %d, shape (%d, %d, %d), elem %d\n", rank,
                              shape[0], shape[1], shape[2], elem);
    ok = ok && image && rlc_api_version() == RLC_API_VERSION;
    printf("%s\n", ok ? "stepped PointReach-v0" : rlc_last_error());
    return !ok;
}
EOF_C
cc -std=c11 -O2 -Wall -Wextra -Werror $san_flags $cflags -o embed embed.c $libs || fail "a program does not link with pkg-config --libs rlc"
LD_LIBRARY_PATH="$prefix/lib" run_linked ./embed "$prefix/work/plugin/point_reach.so" > embed.txt ||
    fail "the program linked with librlc failed: $(cat embed.txt)"
# the static library with the dependencies rlc.pc lists for it
cat > static.c <<'EOF_C'
#include <stdio.h>
#include "envs/env.h"
int main(void)
{
    env_instance e;
    char err[256];
    float obs[4], next[4], action[1] = {1}, reward;
    bool terminated, truncated;
    if (env_make(&e, "CartPole-v1", 0, err, sizeof err) != RL_OK) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    env_reset(&e, 1, obs);
    env_step(&e, action, next, &reward, &terminated, &truncated);
    env_close(&e);
    return reward == 1.0f ? 0 : 1;
}
EOF_C
static_libs=$(pkg-config --static --libs rlc | sed 's/-lrlc//') || fail "pkg-config --static --libs rlc failed"
cc -std=c11 -O2 -Wall -Wextra -Werror $san_flags $cflags -o static static.c "$prefix/lib/librlc.a" $static_libs ||
    fail "a program does not link with librlc.a and pkg-config --static --libs rlc"
run_linked ./static || fail "the program linked with librlc.a failed"
# train on the plugin with the installed rlc; env.plugin is relative to the YAML file
cat > cfg/point.yaml <<'EOF_Y'
algo: ppo
total_steps: 2048
env: {id: PointReach-v0, plugin: ../plugin/point_reach.so, num_envs: 2}
ppo: {num_steps: 256, num_minibatches: 2, update_epochs: 1}
log: {eval_interval: 0, eval_episodes: 2, log_interval: 1024}
EOF_Y
"$prefix/bin/rlc" train cfg/point.yaml --run-dir point --quiet > train.txt 2>&1 ||
    fail "rlc train on the plugin failed: $(cat train.txt)"
[ -f point/checkpoint.safetensors ] || fail "no checkpoint after training on the plugin"
"$prefix/bin/rlc" eval point --plugin plugin/point_reach.so --episodes 2 > eval.txt 2>&1 ||
    fail "rlc eval with the plugin failed: $(cat eval.txt)"
echo "install test passed ($prefix)"
