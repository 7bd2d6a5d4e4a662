/* rlc tests: resources seen from the C library. This program is linked with the linker's --wrap
 * for malloc, calloc, realloc, free, fsync and rename (CMakeLists.txt), so the tests see every
 * call the rlc library makes:
 *   - an agent's create/destroy frees everything it allocated (ICM and RND modules included);
 *   - rl_write_atomic (config.yaml of a run) fsyncs the file before renaming it into place and the
 *     directory after. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agents/agent.h"
#include "core/fs.h"
#include "tests/helpers/testutil.h"

/* ---- the wrappers ------------------------------------------------------------------------ */

void *__real_malloc(size_t n);
void *__real_calloc(size_t c, size_t n);
void *__real_realloc(void *p, size_t n);
void __real_free(void *p);
int __real_fsync(int fd);
int __real_rename(const char *from, const char *to);

#define MAX_LIVE 65536
static void *live[MAX_LIVE];   /* allocations made through the wrappers and not yet freed */
static int n_live;

static void track(void *p)
{
    if (p && n_live < MAX_LIVE) live[n_live++] = p;
}

static void untrack(void *p)
{
    for (int i = n_live - 1; i >= 0; i--)
        if (live[i] == p) {
            live[i] = live[--n_live];
            return;
        }
}

void *__wrap_malloc(size_t n)
{
    void *p = __real_malloc(n);
    track(p);
    return p;
}

void *__wrap_calloc(size_t c, size_t n)
{
    void *p = __real_calloc(c, n);
    track(p);
    return p;
}

void *__wrap_realloc(void *old, size_t n)
{
    void *p = __real_realloc(old, n);
    if (p || n == 0) untrack(old);
    track(p);
    return p;
}

void __wrap_free(void *p)
{
    untrack(p);
    __real_free(p);
}

/* fsync and rename calls in order: 'f' fsync of a regular file, 'd' of a directory, 'r' rename */
static char events[64];
static int n_events;

static void event(char e)
{
    if (n_events < (int)sizeof events - 1) events[n_events++] = e;
    events[n_events] = '\0';
}

int __wrap_fsync(int fd)
{
    struct stat sb;
    event(fstat(fd, &sb) == 0 && S_ISDIR(sb.st_mode) ? 'd' : 'f');
    return __real_fsync(fd);
}

int __wrap_rename(const char *from, const char *to)
{
    event('r');
    return __real_rename(from, to);
}

/* ---- leaks ------------------------------------------------------------------------------- */

static void create_destroy(const char *yaml)
{
    rl_config cfg;
    char err[1024];
    cr_assert_eq(rl_config_load_string(&cfg, yaml, "x.yaml", NULL, 0, err, sizeof err), RL_OK, "%s", err);
    const env_def *def = env_find(cfg.env.id);
    const agent_algo *algo = agent_find(cfg.root.algo);
    cr_assert(def && algo);
    void *agent = NULL;
    cr_assert_eq(algo->create(&agent, &cfg, &def->obs_space, &def->act_space, (int)cfg.env.num_envs, err, sizeof err),
                 RL_OK, "%s", err);
    algo->destroy(agent);
}

/* the second create/destroy of a config (the first may fill registries once) leaves nothing */
static void assert_no_leak(const char *yaml)
{
    create_destroy(yaml);
    int before = n_live;
    create_destroy(yaml);
    cr_assert_eq(n_live, before, "%d allocation(s) not freed by create + destroy of:\n%s", n_live - before, yaml);
}

Test(resources, icm_and_rnd_free_everything)
{
    assert_no_leak("algo: ppo\nenv: {id: MountainCar-v0, num_envs: 2}\nppo: {num_steps: 16, num_minibatches: 2}\n"
                   "exploration: {name: icm}\n");
    assert_no_leak("algo: ppo\nenv: {id: MountainCar-v0, num_envs: 2}\nppo: {num_steps: 16, num_minibatches: 2}\n"
                   "exploration: {name: rnd}\n");
    assert_no_leak("algo: a2c\nenv: {id: MountainCar-v0, num_envs: 2}\nexploration: {name: icm}\n");
}

Test(resources, simhash_frees_everything)
{
    assert_no_leak("algo: ppo\nenv: {id: MountainCar-v0, num_envs: 2}\nppo: {num_steps: 16, num_minibatches: 2}\n"
                   "exploration: {name: simhash}\n");
}

Test(resources, agents_free_everything)
{
    assert_no_leak("algo: ppo\nenv: {id: CartPole-v1, num_envs: 2}\nnormalize: {obs: true, reward: true}\n");
    assert_no_leak("algo: dqn\nenv: {id: CartPole-v1, num_envs: 2}\ndqn: {buffer_size: 1000}\n");
    assert_no_leak("algo: sac\nenv: {id: Pendulum-v1, num_envs: 2}\nsac: {buffer_size: 1000}\n");
}

/* ---- durable atomic writes --------------------------------------------------------------- */

Test(resources, atomic_write_fsyncs_file_then_renames_then_fsyncs_dir)
{
    char dir[256], path[300], err[512];
    rlt_tmp_dir(dir, sizeof dir, "fsync");
    cr_assert_eq(rl_mkdir_p(dir, err, sizeof err), RL_OK, "%s", err);
    snprintf(path, sizeof path, "%s/config.yaml", dir);
    n_events = 0;
    events[0] = '\0';
    cr_assert_eq(rl_write_atomic(path, "seed: 1\n", err, sizeof err), RL_OK, "%s", err);
    cr_assert_str_eq(events, "frd", "fsync(file), rename, fsync(dir) expected; got '%s'", events);
    char *text = rlt_read_file(path);
    cr_assert_str_eq(text, "seed: 1\n");
    free(text);
    snprintf(path, sizeof path, "%s/config.yaml.tmp", dir);
    cr_assert(access(path, F_OK) != 0, "no temporary file is left");
}
