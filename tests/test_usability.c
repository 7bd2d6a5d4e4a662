/* rlc tests: the rlc program where a new user trips: train output keeps its order in one log
 * file, --resume refuses another algo and records changed settings, `rlc losses NAME` says where
 * a loss fits, and `rlc ablate` runs a file with seeds and no axes. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agents/agent.h"
#include "losses/loss.h"
#include "tests/helpers/testutil.h"

#define PPO_CFG RLC_SOURCE_DIR "/configs/ppo_cartpole.yaml"
#define TINY "--set total_steps=1024 --set log.eval_interval=0 --set log.eval_episodes=2 --quiet"

static void train_tiny(const char *dir)
{
    char cmd[1024], out[4096];
    snprintf(cmd, sizeof cmd, "%s train %s --run-dir %s " TINY " 2>&1", RLC_BINARY, PPO_CFG, dir);
    cr_assert_eq(rlt_run_cmd(cmd, out, sizeof out), 0, "%s", out);
}

/* stdout and stderr into one file (an ablation's train.log): the first stdout line comes before
 * the error that follows it. With stdout block-buffered the error came first. */
Test(usability, train_output_keeps_its_order_in_one_file)
{
    char dir[256], log[300], cmd[1024], out[256];
    rlt_tmp_dir(dir, sizeof dir, "order");
    train_tiny(dir);
    snprintf(log, sizeof log, "%s/second.log", dir);
    /* a second fresh run into the same directory: a stdout line, then the refusal on stderr */
    snprintf(cmd, sizeof cmd, "%s train %s --run-dir %s " TINY " > %s 2>&1", RLC_BINARY, PPO_CFG, dir, log);
    cr_assert_neq(rlt_run_cmd(cmd, out, sizeof out), 0);
    char *text = rlt_read_file(log);
    const char *started = strstr(text, "rlc train: ppo on CartPole-v1"), *refused = strstr(text, "already holds a checkpoint");
    cr_assert(started && refused, "%s", text);
    cr_assert(started < refused, "the stderr line came before the stdout line:\n%s", text);
    free(text);
}

Test(usability, resume_refuses_another_algo)
{
    char dir[256], cmd[1024], out[2048], path[300];
    rlt_tmp_dir(dir, sizeof dir, "algo");
    train_tiny(dir);
    snprintf(cmd, sizeof cmd, "%s train --resume %s --set algo=dqn --quiet 2>&1", RLC_BINARY, dir);
    cr_assert_eq(rlt_run_cmd(cmd, out, sizeof out), 1, "%s", out);
    cr_assert(strstr(out, "algorithm cannot change on resume") && strstr(out, "'ppo'") && strstr(out, "'dqn'") &&
                  strstr(out, dir),
              "%s", out);
    snprintf(path, sizeof path, "%s/resume_changes.txt", dir);
    cr_assert_eq(access(path, F_OK), -1, "a refused resume wrote %s", path);
}

/* --set on resume: printed, appended to resume_changes.txt with the step, kept in config.yaml; a
 * resume that changes nothing appends nothing */
Test(usability, resume_records_changed_settings)
{
    char dir[256], cmd[1024], out[4096], path[300];
    rlt_tmp_dir(dir, sizeof dir, "changes");
    train_tiny(dir);
    snprintf(cmd, sizeof cmd, "%s train --resume %s --set total_steps=2048 --set ppo.learning_rate=0.001 --quiet 2>&1",
             RLC_BINARY, dir);
    cr_assert_eq(rlt_run_cmd(cmd, out, sizeof out), 0, "%s", out);
    cr_assert(strstr(out, "total_steps: 1024 -> 2048") && strstr(out, "ppo.learning_rate: 0.00025 -> 0.001") &&
                  strstr(out, "resume_changes.txt"),
              "%s", out);
    snprintf(path, sizeof path, "%s/resume_changes.txt", dir);
    char *rec = rlt_read_file(path);
    cr_assert(strstr(rec, "# resumed at step 1024") && strstr(rec, "ppo.learning_rate: 0.00025 -> 0.001"), "%s", rec);
    cr_assert_null(strstr(rec, "seed:"), "an unchanged key was recorded:\n%s", rec);
    snprintf(path, sizeof path, "%s/config.yaml", dir);
    char *conf = rlt_read_file(path);
    cr_assert(strstr(conf, "learning_rate: 0.001\n"), "%s", conf);
    snprintf(cmd, sizeof cmd, "%s train --resume %s --set total_steps=3072 --quiet 2>&1", RLC_BINARY, dir);
    cr_assert_eq(rlt_run_cmd(cmd, out, sizeof out), 0, "%s", out);
    snprintf(path, sizeof path, "%s/resume_changes.txt", dir);
    char *rec2 = rlt_read_file(path);
    cr_assert(strstr(rec2, "# resumed at step 2048") && strstr(rec2, "total_steps: 2048 -> 3072"), "%s", rec2);
    cr_assert_null(strstr(rec2 + strlen(rec), "learning_rate"), "%s", rec2);
    free(rec);
    free(rec2);
    free(conf);
}

/* what `rlc losses NAME` claims, checked against the agents themselves */
Test(usability, losses_name_shows_the_slots_that_take_it)
{
    char cmd[512], out[8192], err[1024];
    snprintf(cmd, sizeof cmd, "%s losses huber", RLC_BINARY);
    cr_assert_eq(rlt_run_cmd(cmd, out, sizeof out), 0, "%s", out);
    cr_assert(strstr(out, "huber: a regression loss") && strstr(out, "delta") && strstr(out, "losses.td") &&
                  strstr(out, "losses.critic") && strstr(out, "losses.value"),
              "%s", out);
    cr_assert_null(strstr(out, "losses.policy"), "%s", out);
    cr_assert_null(strstr(out, "\nmse "), "other losses listed:\n%s", out);
    cr_assert_eq(rlt_config_and_agent("algo: dqn\nlosses: {td: huber}\n", err, sizeof err), RL_OK, "%s", err);
    cr_assert_eq(rlt_config_and_agent("algo: ppo\nlosses: {value: huber}\n", err, sizeof err), RL_OK, "%s", err);
    cr_assert_neq(rlt_config_and_agent("algo: ppo\nlosses: {policy: huber}\n", err, sizeof err), RL_OK);

    snprintf(cmd, sizeof cmd, "%s losses reinforce", RLC_BINARY);
    cr_assert_eq(rlt_run_cmd(cmd, out, sizeof out), 0, "%s", out);
    cr_assert(strstr(out, "losses.policy") && strstr(out, "reinforce"), "%s", out);
    cr_assert_null(strstr(out, "ppo, a2c\n"), "%s", out);
    cr_assert_neq(rlt_config_and_agent("algo: ppo\nlosses: {policy: reinforce}\n", err, sizeof err), RL_OK);
    cr_assert_eq(rlt_config_and_agent("algo: reinforce\nlosses: {policy: reinforce}\n", err, sizeof err), RL_OK,
                 "%s", err);

    snprintf(cmd, sizeof cmd, "%s losses no_such_loss 2>&1", RLC_BINARY);
    cr_assert_eq(rlt_run_cmd(cmd, out, sizeof out), 1, "%s", out);
    cr_assert(strstr(out, "unknown loss 'no_such_loss'"), "%s", out);
}

/* whether slot s takes loss d: one of its kinds, or one of its names */
static bool slot_takes(const agent_loss_slot *s, const loss_desc *d)
{
    size_t len = strlen(d->name);
    for (const char *at = s->names; at && (at = strstr(at, d->name)) != NULL; at += len)
        if ((at == s->names || at[-1] == ' ') && (at[len] == ' ' || at[len] == '\0')) return true;
    return (s->kinds & LOSS_KINDS(d->kind)) != 0;
}

/* every agent's loss slots, as its descriptor states them (agent_algo.loss_slots, which `rlc
 * losses` prints), bound what the agent accepts: any other registered loss is refused naming the
 * file, line and key (the slots' own losses are taken: the learning tests train them) */
/* an environment the agent runs on with its defaults: CartPole-v1 (Discrete actions), else
 * Pendulum-v1 (Box), so that only the loss under test can make its config fail */
static const char *env_for(const char *algo)
{
    static const char *const envs[] = {"CartPole-v1", "Pendulum-v1"};
    char yaml[128], err[1024];
    for (int e = 0; e < 2; e++) {
        snprintf(yaml, sizeof yaml, "algo: %s\nenv: {id: %s}\n", algo, envs[e]);
        if (rlt_config_and_agent(yaml, err, sizeof err) == RL_OK) return envs[e];
    }
    cr_assert_fail("algo %s runs on neither CartPole-v1 nor Pendulum-v1: %s", algo, err);
    return NULL;
}

Test(usability, loss_slots_bound_what_the_agents_accept)
{
    int n, nl;
    const agent_algo *const *all = agent_all(&n);
    const loss_desc *const *reg = loss_registry(&nl);
    char yaml[256], err[1024];
    for (int a = 0; a < n; a++)
        for (int i = 0; i < AGENT_MAX_SLOTS && all[a]->loss_slots[i].key; i++) {
            const agent_loss_slot *s = &all[a]->loss_slots[i];
            const char *env = env_for(all[a]->name);
            for (int l = 0; l < nl; l++) {
                if (slot_takes(s, reg[l])) continue;
                snprintf(yaml, sizeof yaml, "algo: %s\nenv: {id: %s}\nlosses: {%s: %s}\n", all[a]->name, env,
                         s->key + strlen("losses."), reg[l]->name);
                cr_assert_neq(rlt_config_and_agent(yaml, err, sizeof err), RL_OK, "%s: %s took '%s'", all[a]->name,
                              s->key, reg[l]->name);
                cr_assert(strstr(err, "x.yaml:3: ") && strstr(err, s->key), "%s: %s", s->key, err);
            }
        }
}

/* an ablation file with seeds and no axes runs the base config over the seeds */
/* the add-ons' loss slots come from their registry rows (agent_addon.loss_slots, addons/): each
 * names registered losses, `rlc losses` lists them with the agents each add-on serves, and the
 * add-on takes what its slot claims and refuses another loss */
Test(usability, addon_loss_slots_come_from_the_registry)
{
    int n, n_slots = 0;
    const agent_addon *const *all = agent_addons(&n);
    for (int x = 0; x < n; x++)
        for (int i = 0; i < AGENT_MAX_SLOTS && all[x]->loss_slots[i].key; i++, n_slots++) {
            char names[128];
            snprintf(names, sizeof names, "%s", all[x]->loss_slots[i].names ? all[x]->loss_slots[i].names : "");
            for (char *w = strtok(names, " "); w; w = strtok(NULL, " "))
                cr_assert_not_null(loss_find(w), "%s: %s names unknown loss '%s'", all[x]->name,
                                   all[x]->loss_slots[i].key, w);
        }
    cr_assert_geq(n_slots, 8);
    char cmd[512], out[8192], err[1024], want[128];
    snprintf(cmd, sizeof cmd, "%s losses rnd", RLC_BINARY);
    cr_assert_eq(rlt_run_cmd(cmd, out, sizeof out), 0, "%s", out);
    snprintf(want, sizeof want, "  %-32s %s\n", "exploration.rnd_loss", "ppo, a2c (exploration.name: rnd)");
    cr_assert(strstr(out, want), "%s", out);
    snprintf(cmd, sizeof cmd, "%s losses vicreg", RLC_BINARY);
    cr_assert_eq(rlt_run_cmd(cmd, out, sizeof out), 0, "%s", out);
    snprintf(want, sizeof want, "  %-32s %s\n", "aux: head representation", "ppo, a2c, dqn, qrdqn, c51, sac");
    cr_assert(strstr(out, want), "%s", out);
    cr_assert_eq(rlt_config_and_agent("algo: ppo\nexploration: {name: rnd, rnd_loss: rnd}\n", err, sizeof err), RL_OK,
                 "%s", err);
    cr_assert_neq(rlt_config_and_agent("algo: ppo\nexploration: {name: rnd, rnd_loss: icm_forward}\n", err, sizeof err), RL_OK);
    cr_assert(strstr(err, "takes the `rnd` loss"), "%s", err);
    snprintf(cmd, sizeof cmd, "%s losses simhash", RLC_BINARY);
    cr_assert_eq(rlt_run_cmd(cmd, out, sizeof out), 0, "%s", out);
    snprintf(want, sizeof want, "  %-32s %s\n", "exploration.simhash_loss", "ppo, a2c (exploration.name: simhash)");
    cr_assert(strstr(out, want), "%s", out);
}

/* every loss key of the section of an add-on with loss slots is one of its slots: the slot table
 * is what the add-on resolves its losses through and what `rlc losses` lists (reward_model has
 * none yet: its one loss takes the preference kind, minus orpo) */
Test(usability, addon_loss_keys_are_slots)
{
    int n;
    const agent_addon *const *all = agent_addons(&n);
    for (int x = 0; x < n; x++) {
        const rl_config_section *sec = all[x]->config.section;
        for (int f = 0; sec && all[x]->loss_slots[0].key && f < sec->n; f++) {
            if (sec->fields[f].type != RL_CFG_LOSS) continue;
            char key[128];
            snprintf(key, sizeof key, "%s.%s", sec->key, sec->fields[f].key);
            bool found = false;
            for (int i = 0; i < AGENT_MAX_SLOTS && all[x]->loss_slots[i].key; i++)
                found = found || strcmp(all[x]->loss_slots[i].key, key) == 0;
            cr_assert(found, "add-on %s: loss key %s has no loss slot", all[x]->name, key);
        }
    }
}

Test(usability, ablate_runs_seeds_without_axes)
{
    char dir[256], file[300], cmd[1200], out[4096], path[400];
    rlt_tmp_dir(dir, sizeof dir, "seeds");
    cr_assert_eq(mkdir(dir, 0755), 0);
    snprintf(file, sizeof file, "%s/seeds.yaml", dir);
    FILE *fp = fopen(file, "w");
    cr_assert(fp);
    fprintf(fp, "name: seeds_only\nbase: %s\nseeds: [1, 2]\n"
                "set: {total_steps: 1024, log.eval_interval: 0, log.eval_episodes: 2}\n", PPO_CFG);
    fclose(fp);
    snprintf(cmd, sizeof cmd, "%s ablate %s --runs-dir %s/runs --jobs 1 2>&1", RLC_BINARY, file, dir);
    cr_assert_eq(rlt_run_cmd(cmd, out, sizeof out), 0, "%s", out);
    cr_assert(strstr(out, "2 runs"), "%s", out);
    for (int s = 1; s <= 2; s++) {
        snprintf(path, sizeof path, "%s/runs/seeds_only/base/seed_%d/DONE", dir, s);
        cr_assert_eq(access(path, F_OK), 0, "no %s:\n%s", path, out);
    }
}
