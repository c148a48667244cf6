/* SPDX-License-Identifier: GPL-2.0-only */
/* lang.h: which language the user reads, from the locale variables in POSIX order (LC_ALL,
 * then LC_MESSAGES, then LANG: the first one set and non-empty wins). Shared by sansod and
 * sansoctl. Pure: getenv only. */
#ifndef SANSO_LANG_H
#define SANSO_LANG_H

#include <stdbool.h>

/* The locale name that decides messages: "" when none is set. */
const char *lang_messages(const char *lc_all, const char *lc_messages, const char *lang);
/* True for a Japanese locale: "ja", "ja_JP", "ja_JP.UTF-8", "ja_JP.eucJP@x" ... */
bool lang_is_ja(const char *locale);
/* The two above applied to the environment. */
bool lang_ja_env(void);

#endif
