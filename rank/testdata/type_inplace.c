/* type_inplace.c: non-contiguous messages moved straight between the ranks'
 * memories. Strided send to strided receive of small (inbox), medium
 * (eager) and large (rendezvous) messages, posted before or after the send;
 * strided to contiguous and back; synchronous and buffered sends; probe
 * sizes; truncation into a strided receive; a freed strided Irecv; every
 * element outside the types left untouched. Any number of ranks >= 1. */
#include <stdlib.h>
#include "mtest.h"

static int rank, size, next, prev;

/* n doubles at stride 3 */
static void strided(int n, int post_first, int mode) {
    MPI_Datatype t;
    MPI_Type_vector(n, 1, 3, MPI_DOUBLE, &t);
    MPI_Type_commit(&t);
    double *s = malloc(3 * n * sizeof(double)), *r = malloc(3 * n * sizeof(double));
    for (int i = 0; i < 3 * n; i++) {
        s[i] = rank * 1e7 + i;
        r[i] = -1;
    }
    MPI_Request q;
    if (post_first)
        MPI_Irecv(r, 1, t, prev, 1, MPI_COMM_WORLD, &q);
    MPI_Barrier(MPI_COMM_WORLD);
    MPI_Request sq0 = MPI_REQUEST_NULL;
    if (mode == 0 && post_first)
        MPI_Send(s, 1, t, next, 1, MPI_COMM_WORLD);
    else if (mode == 0)
        MPI_Isend(s, 1, t, next, 1, MPI_COMM_WORLD, &sq0); /* a ring of blocking large sends would deadlock */
    else {
        MPI_Request sq;
        MPI_Issend(s, 1, t, next, 1, MPI_COMM_WORLD, &sq);
        if (!post_first)
            MPI_Recv(r, 1, t, prev, 1, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        MPI_Wait(&sq, MPI_STATUS_IGNORE);
    }
    MPI_Status st;
    if (post_first)
        MPI_Wait(&q, &st);
    else if (mode == 0) {
        MPI_Recv(r, 1, t, prev, 1, MPI_COMM_WORLD, &st);
        MPI_Wait(&sq0, MPI_STATUS_IGNORE);
    }
    int bad = 0;
    for (int i = 0; i < 3 * n; i++)
        bad += r[i] != (i % 3 == 0 ? prev * 1e7 + i : -1);
    CHECK(bad == 0, "strided %d doubles (posted first %d, mode %d): %d wrong", n, post_first, mode, bad);
    if (mode == 0) {
        int c = -1;
        MPI_Get_count(&st, t, &c);
        CHECK(c == 1, "count %d", c);
    }
    MPI_Type_free(&t);
    free(s);
    free(r);
}

/* strided to contiguous and contiguous to strided, with a probe */
static void mixed(int n) {
    MPI_Datatype t;
    MPI_Type_vector(n, 2, 5, MPI_INT, &t);
    MPI_Type_commit(&t);
    int *s = malloc(5 * n * sizeof(int)), *c = malloc(2 * n * sizeof(int)), *r = malloc(5 * n * sizeof(int));
    for (int i = 0; i < 5 * n; i++) {
        s[i] = rank * 1000000 + i;
        r[i] = -1;
    }
    MPI_Request q;
    MPI_Isend(s, 1, t, next, 2, MPI_COMM_WORLD, &q);
    MPI_Status st;
    MPI_Probe(prev, 2, MPI_COMM_WORLD, &st);
    int bytes = -1;
    MPI_Get_count(&st, MPI_BYTE, &bytes);
    CHECK(bytes == 2 * n * (int)sizeof(int), "probed %d bytes", bytes);
    MPI_Recv(c, 2 * n, MPI_INT, prev, 2, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    MPI_Wait(&q, MPI_STATUS_IGNORE);
    int bad = 0;
    for (int k = 0, i = 0; i < n; i++)
        for (int j = 0; j < 2; j++, k++)
            bad += c[k] != prev * 1000000 + 5 * i + j;
    CHECK(bad == 0, "strided to contiguous (%d blocks): %d wrong", n, bad);
    /* back: contiguous to strided */
    MPI_Sendrecv(c, 2 * n, MPI_INT, next, 3, r, 1, t, prev, 3, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    int prev2 = (prev + size - 1) % size;
    bad = 0;
    for (int i = 0; i < 5 * n; i++)
        bad += r[i] != (i % 5 < 2 ? prev2 * 1000000 + i : -1);
    CHECK(bad == 0, "contiguous to strided (%d blocks): %d wrong", n, bad);
    MPI_Type_free(&t);
    free(s);
    free(c);
    free(r);
}

static void truncation_and_bsend(void) {
    MPI_Datatype t;
    MPI_Type_vector(4, 1, 2, MPI_INT, &t);
    MPI_Type_commit(&t);
    int s[16], r[8];
    for (int i = 0; i < 16; i++)
        s[i] = rank * 100 + i;
    for (int i = 0; i < 8; i++)
        r[i] = -1;
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    MPI_Request q;
    MPI_Irecv(r, 1, t, prev, 4, MPI_COMM_WORLD, &q);
    MPI_Send(s, 6, MPI_INT, next, 4, MPI_COMM_WORLD); /* 6 ints into room for 4 */
    MPI_Status st;
    int rc = MPI_Wait(&q, &st);
    int cls = -1, n = -1;
    MPI_Error_class(rc, &cls);
    MPI_Get_count(&st, MPI_INT, &n);
    CHECK(cls == MPI_ERR_TRUNCATE && n == 4, "truncated: class %d, %d ints", cls, n);
    int bad = 0;
    for (int i = 0; i < 8; i++)
        bad += r[i] != (i % 2 == 0 ? prev * 100 + i / 2 : -1);
    CHECK(bad == 0, "truncated strided receive: %d wrong", bad);
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL);

    /* buffered send of a strided type */
    int bsize = 1024;
    char *b = malloc(bsize);
    MPI_Buffer_attach(b, bsize);
    for (int i = 0; i < 8; i++)
        r[i] = -1;
    MPI_Bsend(s, 1, t, next, 5, MPI_COMM_WORLD);
    MPI_Recv(r, 1, t, prev, 5, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    bad = 0;
    for (int i = 0; i < 8; i++)
        bad += r[i] != (i % 2 == 0 ? prev * 100 + i : -1);
    CHECK(bad == 0, "buffered strided send: %d wrong", bad);
    MPI_Buffer_detach(&b, &bsize);
    free(b);

    /* a freed strided receive still lands */
    for (int i = 0; i < 8; i++)
        r[i] = -1;
    MPI_Irecv(r, 1, t, prev, 6, MPI_COMM_WORLD, &q);
    MPI_Request_free(&q);
    MPI_Send(s, 1, t, next, 6, MPI_COMM_WORLD);
    MPI_Barrier(MPI_COMM_WORLD);
    int flag = 0;
    MPI_Iprobe(MPI_ANY_SOURCE, 6, MPI_COMM_WORLD, &flag, MPI_STATUS_IGNORE);
    bad = 0;
    for (int i = 0; i < 8; i++)
        bad += r[i] != (i % 2 == 0 ? prev * 100 + i : -1);
    CHECK(bad == 0 && !flag, "freed strided receive: %d wrong", bad);
    MPI_Type_free(&t);
}

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    next = (rank + 1) % size;
    prev = (rank + size - 1) % size;
    int sizes[] = {10, 1000, 50000};
    for (int i = 0; i < 3; i++)
        for (int post = 0; post < 2; post++)
            for (int mode = 0; mode < 2; mode++)
                strided(sizes[i], post, mode);
    mixed(7);
    mixed(20000);
    truncation_and_bsend();
    return mtest_finish();
}
