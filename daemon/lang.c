/* SPDX-License-Identifier: GPL-2.0-only */
/* lang.c: the language of messages; see lang.h. */
#include <stdlib.h>
#include <string.h>

#include "lang.h"

const char *lang_messages(const char *lc_all, const char *lc_messages, const char *lang)
{
	if (lc_all && *lc_all)
		return lc_all;
	if (lc_messages && *lc_messages)
		return lc_messages;
	return lang && *lang ? lang : "";
}

bool lang_is_ja(const char *locale)
{
	if (!locale || strncmp(locale, "ja", 2))
		return false;
	return locale[2] == '\0' || locale[2] == '_' || locale[2] == '.' || locale[2] == '@';
}

bool lang_ja_env(void)
{
	return lang_is_ja(lang_messages(getenv("LC_ALL"), getenv("LC_MESSAGES"), getenv("LANG")));
}
