/* rlc envs: keyword arguments of built-in environments (Gymnasium's gym.make(id, **kwargs)).
 *
 * An environment that takes arguments keeps them in a parameter struct at the start of its state
 * (env_def.params, env.h); its registered definition points params at the registration's values.
 * Its schema (env_args_schema) declares each argument: name, type, where it lives in the struct,
 * its inclusive range or choices, and a line of doc; the registered params are the defaults. A
 * config's env.kwargs (core/config.h) is applied by env_args_make: each key is looked up, its
 * text parsed by type and checked against the range, and the result is a new definition, the
 * registered one with the new params (and, where an argument shapes a space, as FrozenLake's desc
 * does, the env's own make function checks them and fills it in). The schemas of the built-in
 * environments are listed in envs/env_args.c; plugin environments take no arguments. */
#ifndef RLC_ENVS_ENV_ARGS_H
#define RLC_ENVS_ENV_ARGS_H

#include <stddef.h>
#include <stdio.h>

#include "core/config.h"
#include "envs/env.h"

typedef enum {
    ENV_ARG_BOOL,     /* bool */
    ENV_ARG_INT,      /* int */
    ENV_ARG_FLOAT,    /* double, or count doubles (a list in YAML: healthy_z_range: [0.7, inf]) */
    ENV_ARG_STR       /* char[size]; a list of strings is joined with ',' (FrozenLake's desc) */
} env_arg_type;

typedef struct {
    const char *name;
    env_arg_type type;
    size_t off;           /* offset in the parameter struct */
    size_t size;          /* STR: the buffer's bytes */
    int count;            /* FLOAT: values (0 or 1: one) */
    double lo, hi;        /* INT, FLOAT: inclusive range (each value) */
    const char *choices;  /* STR: "a|b" or NULL (any text that fits) */
    const char *doc;
} env_arg;

typedef struct env_args_schema {
    const env_def *base;          /* the registered definition these arguments are of */
    const env_arg *args;
    int n_args;
    /* Checks params and fills def (a copy of base with params pointing to storage, where params
     * is copied); NULL: the generic copy, the ranges being the only checks. */
    rl_status (*make)(env_def *def, const env_def *base, void *storage, const void *params, char *err,
                      size_t err_sz);
} env_args_schema;

/* the schemas of each family, in its own file: envs/classic/classic_args.c (CartPole's
 * sutton_barto_reward, MountainCar's goal_velocity, Pendulum's g), envs/toytext/toytext_args.c,
 * and the v5 locomotion tasks' (Hopper, Walker2d, HalfCheetah) in envs/mujoco/mujoco_tasks.c */
extern const env_args_schema env_classic_args[];
extern const int env_classic_n_args;
extern const env_args_schema env_toytext_args[];
extern const int env_toytext_n_args;
extern const env_args_schema env_goal_args[];     /* envs/goal/goal_args.c: BitFlipping's n */
extern const int env_goal_n_args;
#ifdef RLC_HAVE_BOX2D
extern const env_args_schema env_box2d_args[];    /* envs/box2d/box2d_args.c: LunarLander */
extern const int env_box2d_n_args;
#endif
#ifdef RLC_HAVE_MUJOCO
extern const env_args_schema env_mujoco_args[];   /* envs/mujoco/mujoco_tasks.c */
extern const int env_mujoco_n_args;
#endif

/* The schema of def's arguments (by its id, so a definition made from a registered one has its
 * base's), or NULL when it takes none. */
const env_args_schema *env_args_find(const env_def *def);

/* base with the arguments kw applied: *out is a new definition owned by the caller (free() it
 * after every instance made from it is closed), or base itself when kw is empty (then *owned is
 * NULL). Errors name kw's file:line and env.kwargs.KEY: an unknown key (listing what base takes),
 * a value of the wrong type or out of range, or what base's make refuses. */
rl_status env_args_make(const env_def *base, const rl_kwargs *kw, const env_def **out, void **owned, char *err,
                        size_t err_sz);

/* The arguments def takes, one line each (name, type, default, range or choices, doc), indented
 * by two spaces; "  (none)" when it takes none. */
void env_args_print(const env_def *def, FILE *out);

#endif
