/* rlc cli: checkpoints of runs trained on an environment written in Python. rlc.train(env=...)
 * registers such an environment as "python:<name>" in the Python process only; the rlc program
 * cannot recreate it, so rlc eval, rlc record, rlc rollout --policy and rlc train --resume say so
 * and what to do instead (docs/python-envs.md). */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "envs/env.h"
#include "nn/nn.h"

#define PYTHON_ENV_PREFIX "python:"

bool cli_refuse_python_env(const char *cmd, const char *path, const char *instead)
{
    char file[1100], err[512];
    struct stat sb;
    if (stat(path, &sb) != 0) return false;   /* the loader names the missing path */
    if (S_ISDIR(sb.st_mode)) snprintf(file, sizeof file, "%s/checkpoint.safetensors", path);
    else snprintf(file, sizeof file, "%s", path);
    nn_safetensors *f = NULL;
    if (nn_safetensors_open(&f, file, err, sizeof err) != RL_OK) return false;   /* ... and a bad file */
    const char *id = nn_safetensors_meta(f, "rlc.env");
    bool python = id && strncmp(id, PYTHON_ENV_PREFIX, strlen(PYTHON_ENV_PREFIX)) == 0 && !env_find(id);
    if (python)
        fprintf(stderr,
                "rlc %s: %s: the run trained on '%s', an environment written in Python (rlc.train(env=...)), which "
                "the rlc program cannot recreate: %s (docs/python-envs.md)\n", cmd, file, id, instead);
    nn_safetensors_close(f);
    return python;
}
