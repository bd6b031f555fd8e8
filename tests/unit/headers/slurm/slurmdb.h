/* A small stand-in for Slurm's slurmdb.h. */
#ifndef _SLURMDB_FIXTURE_H
#define _SLURMDB_FIXTURE_H

#include <slurm/slurm.h>

typedef struct {
	char *name;
	uint32_t id;
} slurmdb_qos_rec_t;

extern slurmdb_qos_rec_t *slurmdb_qos_first(void);

#endif
