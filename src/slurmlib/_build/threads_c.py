"""C calls made in a native thread of their own while Python goes on.

A first load of the nodes needs the partition message too (to fill each node's
partitions): :func:`slurmlib_call_start` runs a load such as
:func:`slurmlib_load_all_partitions` beside the nodes' own RPC, and
:func:`slurmlib_call_wait` joins the thread and gives the call's return code and the
``errno`` it left.

The thread blocks every signal (those stay with the threads the program knows about), and
is joined by the read that started it.
"""

from __future__ import annotations

__all__ = ["THREADS_CDEF", "THREADS_SOURCE"]

THREADS_CDEF = """
void *slurmlib_call_start(int (*fn)(void *), void *arg);
int slurmlib_call_wait(void *call, int *error);
int slurmlib_load_all_partitions(void *out);
"""

THREADS_SOURCE = r"""
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>

static int slurmlib_thread_start(pthread_t *thread, void *(*run)(void *), void *arg)
{
    sigset_t all, previous;
    int rc;

    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &previous);
    rc = pthread_create(thread, NULL, run, arg);
    pthread_sigmask(SIG_SETMASK, &previous, NULL);
    return rc;
}

struct slurmlib_call {
    pthread_t thread;
    int (*fn)(void *);
    void *arg;
    int rc, error;
};

static void *slurmlib_call_run(void *arg)
{
    struct slurmlib_call *call = arg;
    errno = 0;
    call->rc = call->fn(call->arg);
    call->error = errno;  /* the thread's own: libslurm reports through errno */
    return NULL;
}

/* NULL when no thread could be started: the caller then makes the call itself. */
void *slurmlib_call_start(int (*fn)(void *), void *arg)
{
    struct slurmlib_call *call = malloc(sizeof(*call));

    if (call == NULL)
        return NULL;
    call->fn = fn;
    call->arg = arg;
    if (slurmlib_thread_start(&call->thread, slurmlib_call_run, call) != 0) {
        free(call);
        return NULL;
    }
    return call;
}

int slurmlib_call_wait(void *handle, int *error)
{
    struct slurmlib_call *call = handle;
    int rc;

    pthread_join(call->thread, NULL);
    rc = call->rc;
    *error = call->error;
    free(call);
    return rc;
}

int slurmlib_load_all_partitions(void *out)
{
    return slurm_load_partitions((time_t) 0, (partition_info_msg_t **) out, SHOW_ALL);
}
"""
