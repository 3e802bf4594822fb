/*
 * RSPLIB's fractal parameter files (.fsf, its XMLFractalSave format):
 * fractalpooluser's -configdir.
 */
#ifndef RSP_CORE_TOOLS_FSF_H
#define RSP_CORE_TOOLS_FSF_H

#include "proto/fgp.h"

#define FSF_FILE_MAX 65536 /* a parameter file larger than this is bad */

/*
 * Read a parameter file into p (Width and Height untouched).  RSPLIB's
 * rules: MandelbrotN or Mandelbrot (anything else: Mandelbrot), N 2 and
 * MaxIterations 123 unless given.  -1 with a reason in *why.
 */
int fsf_load(const char *path, struct fgp_parameter *p, const char **why);
/* The .fsf files of dir ("dir/name"), sorted by name, appended to
 * *files (malloc'd, *nfiles of them); -1 if dir cannot be read. */
int fsf_list(const char *dir, char ***files, int *nfiles);

#endif
