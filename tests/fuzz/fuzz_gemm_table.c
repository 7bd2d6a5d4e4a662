/* rlc fuzzing: the GEMM dispatch table file (`rlc calibrate`'s cache file, a run's gemm_table.txt).
 *
 * The input is parsed as the file's text (nn_gemm_table_parse, which nn_gemm_table_read calls
 * after its size check). Checks: no crash, leak or undefined behaviour; an error has a message
 * naming the input and leaves the table empty; a table that parses holds valid shapes whose paths
 * can take them, finds each of its shapes, and its text parses again to the same identity. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn/gemm_table.h"
#include "tests/fuzz/fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static nn_gemm_table g_t, g_u;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[1024] = "";
    if (nn_gemm_table_parse(&g_t, (const char *)data, size, "input.txt", err, sizeof err) != RL_OK) {
        fuzz_require(strncmp(err, "input.txt", 9) == 0, "an error names the input", err);
        fuzz_require(g_t.n == 0, "a refused table is empty", err);
        return 0;
    }
    fuzz_require(g_t.n <= NN_GEMM_TABLE_MAX, "at most NN_GEMM_TABLE_MAX entries", g_t.machine);
    for (int i = 0; i < g_t.n; i++) {
        fuzz_require(nn_gemm_path_fits(g_t.e[i].path, &g_t.e[i].shape), "a path that takes its shape", g_t.machine);
        fuzz_require(nn_gemm_table_index(&g_t, &g_t.e[i].shape) == i, "every shape is found", g_t.machine);
    }
    char *text = nn_gemm_table_format(&g_t);
    fuzz_require(text != NULL, "formatted", "");
    rl_status st = nn_gemm_table_parse(&g_u, text, strlen(text), "again", err, sizeof err);
    fuzz_require(st == RL_OK, "its text parses again", err);
    char a[24], b[24];
    nn_gemm_table_id(&g_t, a, sizeof a);
    nn_gemm_table_id(&g_u, b, sizeof b);
    fuzz_require(strcmp(a, b) == 0 && g_t.n == g_u.n, "the same table again", text);
    free(text);
    return 0;
}
