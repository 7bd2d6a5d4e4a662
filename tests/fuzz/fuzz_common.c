/* rlc fuzzing: the scratch input file, property checks and the dump round trip shared by the
 * targets (see fuzz_common.h). */
#include "tests/fuzz/fuzz_common.h"
#include <dirent.h>
#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *fuzz_write_input(const uint8_t *data, size_t size)
{
    static char path[512];
    if (!path[0]) {
        const char *dir = getenv("TMPDIR");
        snprintf(path, sizeof path, "%s/rlc-fuzz-input-%d", dir && dir[0] ? dir : "/tmp", (int)getpid());
    }
    FILE *fp = fopen(path, "wb");
    fuzz_require(fp != NULL, "cannot create the scratch input file", path);
    fuzz_require(fwrite(data, 1, size, fp) == size && fclose(fp) == 0, "cannot write the scratch input file", path);
    return path;
}

void fuzz_require(int cond, const char *what, const char *detail)
{
    if (cond) return;
    fprintf(stderr, "fuzz: property broken: %s\n%s\n", what, detail ? detail : "");
    abort();
}

void fuzz_check_dump_reloads(const rl_config *cfg)
{
    static rl_config again;
    char err[1024], msg[1400];
    char *d1 = rl_config_dump_string(cfg);
    rl_status st = rl_config_load_string(&again, d1, "dump", NULL, 0, err, sizeof err);
    if (st != RL_OK) {
        snprintf(msg, sizeof msg, "%s\n--- the dump:", err);
        fprintf(stderr, "%s\n%s\n", msg, d1);
    }
    fuzz_require(st == RL_OK, "the resolved config's dump does not reload", NULL);
    char *d2 = rl_config_dump_string(&again);
    if (strcmp(d1, d2) != 0) fprintf(stderr, "--- first dump:\n%s\n--- dump of the reload:\n%s\n", d1, d2);
    fuzz_require(strcmp(d1, d2) == 0, "the reloaded dump differs from the dump", NULL);
    free(d1);
    free(d2);
}

void fuzz_configs_scratch(const char *tag, const char *sub, char *dir, size_t dir_sz, char *input_path,
                          size_t input_sz)
{
    const char *tmp = getenv("TMPDIR");
    char link[900], target[900];
    snprintf(dir, dir_sz, "%s/rlc-fuzz-%s-XXXXXX", tmp && tmp[0] ? tmp : "/tmp", tag);
    fuzz_require(mkdtemp(dir) != NULL, "cannot create a scratch directory", dir);
    snprintf(link, sizeof link, "%s/%s", dir, sub);
    fuzz_require(mkdir(link, 0755) == 0, "cannot create", link);
    snprintf(input_path, input_sz, "%s/%s/input.yaml", dir, sub);
    DIR *d = opendir(RLC_SOURCE_DIR "/configs");
    fuzz_require(d != NULL, "cannot list", RLC_SOURCE_DIR "/configs");
    for (struct dirent *e; (e = readdir(d));) {
        if (!strstr(e->d_name, ".yaml")) continue;
        snprintf(link, sizeof link, "%s/%s", dir, e->d_name);
        snprintf(target, sizeof target, "%s/configs/%s", RLC_SOURCE_DIR, e->d_name);
        fuzz_require(symlink(target, link) == 0, "cannot link", link);
    }
    closedir(d);
}
