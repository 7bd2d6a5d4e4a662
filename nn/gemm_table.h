/* rlc nn: a measured GEMM dispatch table (`rlc calibrate`): for each GEMM shape training performs,
 * the path that was fastest on this machine, where it beat OpenBLAS alone by a margin.
 *
 * nn_sgemm (nn/gemm.c) looks a call's shape up in the table in use (nn_gemm_table_use) and runs the
 * path it names; a shape the table does not hold follows the fixed rule. The table is a text file
 * (the format is docs/performance.md's "Calibration"), keyed by the machine it was measured on
 * (nn_gemm_machine): the CPU model, its vector extensions, OpenBLAS's build and kernel, LIBXSMM's
 * code and the table format's version. Reading it checks every line and field, and caps the
 * number of entries, the line length and the file size. */
#ifndef RLC_NN_GEMM_TABLE_H
#define RLC_NN_GEMM_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/status.h"

#define NN_GEMM_TABLE_VERSION 1
#define NN_GEMM_TABLE_MAX 512          /* entries of a table */
#define NN_GEMM_TABLE_SLOTS 1024       /* its hash slots (a power of two, twice the entries) */
#define NN_GEMM_TABLE_MAX_DIM 65536    /* the largest M, N, K and leading dimension of an entry */
#define NN_GEMM_MACHINE_LEN 512        /* the machine key's bytes, with its NUL */
#define NN_GEMM_TABLE_FILE "gemm_table.txt"   /* the table a run uses, in its run directory */

/* where a shape goes; the names are the file's */
typedef enum {
    NN_GEMM_BLAS,    /* OpenBLAS's cblas_sgemm: "blas" */
    NN_GEMM_GEMV,    /* OpenBLAS's cblas_sgemv, M or N of 1: "gemv" */
    NN_GEMM_OUTER,   /* rlc's outer-product loop, K of 1: "outer" */
    NN_GEMM_XSMM,    /* a LIBXSMM kernel: "xsmm" */
    NN_GEMM_PATHS
} nn_gemm_path;

/* one call of nn_sgemm as its path sees it: row-major C (M, N) = op(A) op(B) + beta C */
typedef struct {
    int ta, tb, beta1;   /* op(A) = A^T, op(B) = B^T, beta 1 (else 0; other betas are never looked up) */
    int M, N, K, lda, ldb, ldc;
} nn_gemm_shape;

typedef struct {
    nn_gemm_shape shape;
    nn_gemm_path path;
    float us[NN_GEMM_PATHS];   /* the measured microseconds per call of each path; < 0: not measured */
} nn_gemm_entry;

typedef struct {
    char machine[NN_GEMM_MACHINE_LEN];
    int n;
    nn_gemm_entry e[NN_GEMM_TABLE_MAX];
    int16_t slot[NN_GEMM_TABLE_SLOTS];   /* entry index + 1, 0 empty (open addressing) */
} nn_gemm_table;

const char *nn_gemm_path_name(nn_gemm_path p);

/* Whether path p can take shape s at all (gemv: M or N of 1; outer: K of 1). */
bool nn_gemm_path_fits(nn_gemm_path p, const nn_gemm_shape *s);

/* This machine's key: "cpu=<model>; isa=<flags>; blas=<OpenBLAS config>; xsmm=<arch>; format=<n>". */
void nn_gemm_machine(char *buf, size_t sz);

/* An empty table for machine (NULL: this machine). */
void nn_gemm_table_init(nn_gemm_table *t, const char *machine);

/* Adds an entry; RL_ERR_ARG when the table is full, the shape is already in it or invalid (the
 * message says which), or p cannot take it. us may be NULL (nothing measured). */
rl_status nn_gemm_table_add(nn_gemm_table *t, const nn_gemm_shape *s, nn_gemm_path p, const float *us, char *err,
                            size_t err_sz);

/* The index of s's entry in t->e, or -1. */
int nn_gemm_table_index(const nn_gemm_table *t, const nn_gemm_shape *s);

/* The path the table gives s, or -1. No allocation, no lock: safe from any number of threads
 * while nobody changes the table. */
int nn_gemm_table_find(const nn_gemm_table *t, const nn_gemm_shape *s);

/* The identity of a table: a 64-bit FNV-1a hash of its machine and of its (shape, path) pairs in
 * order (not the timings), as 16 hex digits into buf (17 bytes or more). */
void nn_gemm_table_id(const nn_gemm_table *t, char *buf, size_t sz);

/* The table as the file's text (malloc'ed; NULL when out of memory). */
char *nn_gemm_table_format(const nn_gemm_table *t);

/* Parses the file's text; name stands for the file in messages ("<name>:<line>: ..."). RL_ERR_PARSE
 * for anything malformed, with t left empty. */
rl_status nn_gemm_table_parse(nn_gemm_table *t, const char *text, size_t len, const char *name, char *err,
                              size_t err_sz);

/* Reads and parses path (a regular file of at most 1 MiB). */
rl_status nn_gemm_table_read(nn_gemm_table *t, const char *path, char *err, size_t err_sz);

/* Writes the table to path atomically (a temporary file renamed over it). */
rl_status nn_gemm_table_write(const nn_gemm_table *t, const char *path, char *err, size_t err_sz);

/* The cache file of this machine's table: $XDG_CACHE_HOME/rlc/gemm-<hash of the machine key>.txt,
 * or ~/.cache/rlc/... when XDG_CACHE_HOME is unset or empty. RL_ERR_ARG when neither HOME nor
 * XDG_CACHE_HOME is set or the path is too long. dir, when not NULL, receives the directory. */
rl_status nn_gemm_cache_path(char *path, size_t sz, char *dir, size_t dir_sz, char *err, size_t err_sz);

/* ---- nn_sgemm's side (nn/gemm.c) ---- */

/* Puts t in use for every nn_sgemm call of the process (NULL: none, the rule alone). t must stay
 * valid and unchanged while in use; call before any thread runs a GEMM. nn_gemm_library() then ends
 * with " + table ID (N shapes)". */
void nn_gemm_table_use(const nn_gemm_table *t);
const nn_gemm_table *nn_gemm_table_in_use(void);

/* Whether RLC_GEMM asks for the cached table: unset, empty or "auto" (not "rule" nor "blas"). */
bool nn_gemm_table_wanted(void);

/* The path the fixed rule gives s (with the switches of nn.h as they are now). */
nn_gemm_path nn_gemm_rule_path(const nn_gemm_shape *s);

/* Runs nn_sgemm's arguments on path p; false, with nothing written, when p cannot take them
 * (gemv or outer of another shape, LIBXSMM absent or without a kernel for them). */
bool nn_sgemm_path(nn_gemm_path p, bool ta, bool tb, int M, int N, int K, const float *A, int lda, const float *B,
                   int ldb, float beta, float *C, int ldc);

/* Calls fn(shape, lookup, ctx) at every nn_sgemm call from now on (NULL: no more), before the GEMM;
 * lookup is false for a beta other than 0 or 1 (such calls follow the rule). fn may run on several
 * threads at once. For `rlc calibrate`, which records the shapes a training performs. */
typedef void (*nn_gemm_recorder)(const nn_gemm_shape *s, bool lookup, void *ctx);
void nn_gemm_set_recorder(nn_gemm_recorder fn, void *ctx);

/* ---- calibration (nn/gemm_calib.c) ---- */

/* Times every path that can take s (OpenBLAS always; sgemv, the outer-product loop, LIBXSMM where
 * they take it) on operands of s's sizes: rounds rounds, the paths interleaved within each, each
 * path's calls of a round lasting about batch_us microseconds of this thread's CPU time. us[p]
 * gets the median microseconds per call of path p, or -1 when p cannot take s. */
rl_status nn_gemm_time_shape(const nn_gemm_shape *s, int rounds, double batch_us, float us[NN_GEMM_PATHS],
                             char *err, size_t err_sz);

/* The path for measured times us: the fastest one when it takes at most (1 - margin) of OpenBLAS's
 * time, else OpenBLAS (so the choice is never slower than OpenBLAS alone as measured). */
nn_gemm_path nn_gemm_pick(const float us[NN_GEMM_PATHS], double margin);

/* How many GEMMs the process has run on path p (through nn_sgemm or nn_sgemm_path) while counting
 * was on (off by default: it costs an atomic add per call): what the tests check a table's choice by. */
void nn_gemm_count_calls(bool on);
unsigned long nn_gemm_path_calls(nn_gemm_path p);

#endif
