/* SPDX-License-Identifier: GPL-2.0-only */
/* prove_cmd.h: sansoctl prove (argv[1] == "prove"); returns the exit code. */
#ifndef SANSO_PROVE_CMD_H
#define SANSO_PROVE_CMD_H

int prove_cmd(int argc, char **argv);

#endif
