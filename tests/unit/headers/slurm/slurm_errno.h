/* A small stand-in for Slurm's slurm_errno.h. */
#ifndef _SLURM_ERRNO_FIXTURE_H
#define _SLURM_ERRNO_FIXTURE_H

enum { SLURM_SUCCESS = 0, ESLURM_FIXTURE = 2000 };

extern char *slurm_strerror(int errnum);

#endif
