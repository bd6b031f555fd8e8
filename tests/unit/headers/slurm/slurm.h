/* A small stand-in for Slurm's slurm.h: one of each kind of declaration the generator sorts. */
#ifndef _SLURM_FIXTURE_H
#define _SLURM_FIXTURE_H

#include <stdint.h>
#include <time.h>
#include <sys/types.h>
#include <sys/socket.h>

#define NO_VAL (0xfffffffe)
#define SLURM_VERSION_STRING "22.05.8"
#define SLURM_RATIO 0.5
#define SLURM_MAKE(x) ((x) + 1)
#define SLURM_EMPTY
#define SLURM_IDLE_FLAGGED (NODE_STATE_IDLE | 0x10)
#define SLURM_PAIR_INIT { 0, 0 }

enum node_states { NODE_STATE_UNKNOWN, NODE_STATE_DOWN, NODE_STATE_IDLE };

typedef struct node_info {
	char *name;
	uint32_t cpus;
	time_t boot_time;
	uid_t owner;
	struct sockaddr_storage addr;
} node_info_t;

typedef struct {
	uint32_t record_count;
	node_info_t *node_array;
} node_info_msg_t;

extern int slurm_load_node(time_t update_time, node_info_msg_t **resp, uint16_t show_flags);
extern void slurm_free_node_info_msg(node_info_msg_t *msg);
extern int slurm_not_exported(void);
extern void slurm_info(const char *fmt, ...);
static inline int slurm_inline_helper(void) { return 1; }
extern int slurm_exported_variable;
extern int slurm_hidden_variable;

#endif
