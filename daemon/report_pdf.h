/* SPDX-License-Identifier: GPL-2.0-only */
/* report_pdf.h: sansoctl report --format pdf: the report's HTML printed by headless Chromium
 * (Debian's chromium; Japanese glyphs need fonts-noto-cjk). The browser runs as the caller, in
 * a scratch directory of its own that is its HOME and profile (removed afterwards), with
 * --no-sandbox only as root (chromium refuses its sandbox there); it may take PDF_TIMEOUT_MS.
 * The PDF is written next to FILE and renamed into place only when it is one. */
#ifndef SANSO_REPORT_PDF_H
#define SANSO_REPORT_PDF_H

#include <stddef.h>

/* The browser to use ($SANSO_CHROMIUM, else chromium, chromium-browser or google-chrome on
 * $PATH), NULL if there is none. */
const char *report_browser(void);
/* html (len bytes) as a PDF into out: CTL_OK, or CTL_ERR_FAILED with the reason on stderr. */
int report_pdf(const char *html, size_t len, const char *out);

#endif
