/* rlc core: "did you mean" suggestions (core/suggest.h). */
#include "core/suggest.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#define SUGGEST_MAX_LEN 128   /* longer names are never suggested (nor compared) */

int rl_edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > SUGGEST_MAX_LEN || lb > SUGGEST_MAX_LEN) return (int)(la > lb ? la : lb);
    int row[SUGGEST_MAX_LEN + 1];
    for (size_t j = 0; j <= lb; j++) row[j] = (int)j;
    for (size_t i = 1; i <= la; i++) {
        int diag = row[0];
        row[0] = (int)i;
        for (size_t j = 1; j <= lb; j++) {
            int up = row[j];
            int same = tolower((unsigned char)a[i - 1]) == tolower((unsigned char)b[j - 1]);
            int best = diag + !same;
            if (up + 1 < best) best = up + 1;
            if (row[j - 1] + 1 < best) best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb];
}

/* the distance a typo of a name this long may have */
static int typo_budget(size_t len)
{
    return len <= 7 ? 1 : len <= 11 ? 2 : 3;
}

void rl_did_you_mean(char *out, size_t out_sz, const char *word, const char *list, const char *seps)
{
    char best[SUGGEST_MAX_LEN + 1] = "", name[SUGGEST_MAX_LEN + 1];
    int best_d = -1;
    if (out_sz) out[0] = '\0';
    if (!word || !list || !word[0]) return;
    for (const char *p = list; *p;) {
        size_t n = strcspn(p, seps);
        const char *s = p;
        size_t m = n;
        while (m && isspace((unsigned char)*s)) s++, m--;
        while (m && isspace((unsigned char)s[m - 1])) m--;
        if (m && m <= SUGGEST_MAX_LEN) {
            memcpy(name, s, m);
            name[m] = '\0';
            int d = rl_edit_distance(word, name);
            size_t len = strlen(word) > m ? strlen(word) : m;
            if (strcmp(word, name) != 0 && d <= typo_budget(len) && (best_d < 0 || d < best_d)) {
                best_d = d;
                memcpy(best, name, m + 1);
            }
        }
        p += n;
        if (*p) p++;
    }
    if (best_d >= 0 && out_sz) snprintf(out, out_sz, " (did you mean '%s'?)", best);
}
