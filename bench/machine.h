/* rlc bench: the machine line the GEMM benchmarks print first (included by bench_sac_update.c and
 * bench_gemm_libs.c; one header so that both name the machine the same way). */
#ifndef RLC_BENCH_MACHINE_H
#define RLC_BENCH_MACHINE_H

#include <stdio.h>
#include <string.h>

#include "nn/nn.h"

/* the value of /proc/cpuinfo's first line starting with key, or "?" */
static void bench_cpuinfo(const char *key, char *out, size_t out_sz)
{
    char line[512];
    snprintf(out, out_sz, "?");
    FILE *fp = fopen("/proc/cpuinfo", "r");
    while (fp && fgets(line, sizeof line, fp)) {
        char *c = strchr(line, ':');
        if (strncmp(line, key, strlen(key)) == 0 && c && (line[strlen(key)] == ' ' || line[strlen(key)] == '\t')) {
            snprintf(out, out_sz, "%s", c + 1 + (c[1] == ' '));
            out[strcspn(out, "\n")] = '\0';
            break;
        }
    }
    if (fp) fclose(fp);
}

/* "CPU: <model name> (family F model M); AVX2 yes, AVX-512F no; OpenBLAS kernel Zen" */
static void bench_print_machine(void)
{
    char model[256], family[32], number[32];
    bench_cpuinfo("model name", model, sizeof model);
    bench_cpuinfo("cpu family", family, sizeof family);
    bench_cpuinfo("model", number, sizeof number);
    __builtin_cpu_init();
    printf("CPU: %s (family %s model %s); AVX2 %s, AVX-512F %s; OpenBLAS kernel %s\n", model, family, number,
           __builtin_cpu_supports("avx2") ? "yes" : "no", __builtin_cpu_supports("avx512f") ? "yes" : "no",
           nn_blas_kernel());
}

#endif
