/* rlc core: "did you mean" for a misspelt name (an environment id, a config key, a loss, an
 * algorithm): the closest candidate by edit distance, when it is close enough to be a typo. */
#ifndef RLC_CORE_SUGGEST_H
#define RLC_CORE_SUGGEST_H

#include <stddef.h>

/* Levenshtein distance of a and b, letters compared without case (a case slip costs nothing). */
int rl_edit_distance(const char *a, const char *b);

/* Writes " (did you mean 'X'?)" into out when the name in list (names separated by any character
 * of seps, spaces around them ignored) closest to word is within a typo's distance of it (1 for
 * names up to 7 characters, 2 up to 11, else 3) and is not word itself; else writes "". */
void rl_did_you_mean(char *out, size_t out_sz, const char *word, const char *list, const char *seps);

#endif
