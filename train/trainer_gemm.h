/* rlc train: the GEMM dispatch table a run uses (nn/gemm_table.h, `rlc calibrate`): chosen when the
 * run starts or resumes, kept in its run directory (gemm_table.txt) and named in its checkpoints
 * (rlc.gemm_table), so a resumed run goes on with the same paths. */
#ifndef RLC_TRAIN_TRAINER_GEMM_H
#define RLC_TRAIN_TRAINER_GEMM_H

#include <stdbool.h>
#include <stddef.h>

#include "core/status.h"
#include "nn/gemm_table.h"

/* Chooses the table for a run in run_dir and puts it in use (nn_gemm_table_use), t being the
 * storage the caller keeps for the whole training. RLC_GEMM=rule or blas: none. A resumed run: the
 * run directory's gemm_table.txt when it has one, none when it has not (whatever the cache holds
 * now); a table measured on another machine, or another than the one the checkpoint names
 * (rlc.gemm_table), or a missing copy of the table the checkpoint names, leaves the fixed rule,
 * and *note says so. A new run: this
 * machine's cache file when there is one (nn_gemm_cache_path). *note (may be empty) is a warning to
 * print. A file that cannot be read or parsed is an error naming it. */
rl_status trainer_gemm_table_pick(const char *run_dir, bool resume, nn_gemm_table *t, char *note, size_t note_sz,
                                  char *err, size_t err_sz);

/* At a run's start: writes the table in use to run_dir/gemm_table.txt, or removes a stale file
 * there when none is in use (a resume keeps the file as it is). */
rl_status trainer_gemm_table_record(const char *run_dir, bool resume, char *err, size_t err_sz);

#endif
