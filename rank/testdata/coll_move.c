/* coll_move.c: exact results of the data-movement collectives.
 *
 * Barrier, Bcast, Gather, Gatherv, Scatter, Scatterv, Allgather, Allgatherv,
 * Alltoall, Alltoallv, Alltoallw on MPI_COMM_WORLD (every root, MPI_IN_PLACE
 * where the standard allows it, irregular counts and displacements with zero
 * counts, 1 MiB+ buffers) and on MPI_COMM_SELF. Runs under MPI_ERRORS_RETURN
 * and checks every return code. */
#include "mtest.h"

static int rank, size;

/* val is the int that rank src contributes for rank dst at element i. */
static int val(int src, int dst, int i) { return src * 1000003 + dst * 1009 + i * 7 + 1; }

/* pattern byte k of the block that rank src sends to rank dst. */
static unsigned char pat(int src, int dst, int k) { return (unsigned char)(src * 31 + dst * 17 + k * 3 + 5); }

#define SENTINEL (-7777777)

static int *ialloc(size_t n) {
    int *p = malloc((n ? n : 1) * sizeof(int));
    if (!p) {
        printf("FAIL rank %d: out of memory for %zu ints\n", rank, n);
        MPI_Abort(MPI_COMM_WORLD, 2);
    }
    return p;
}

static void ifill(int *p, size_t n, int v) {
    for (size_t i = 0; i < n; i++) p[i] = v;
}

/* count_of is the irregular per-rank count used by the v-variants: it
 * includes zeros. */
static int count_of(int r, int salt) { return (r * 5 + salt) % 4; }

/* layout puts the blocks of counts[] in reverse rank order with a gap of
 * `gap` elements between them; zero-count blocks get a displacement far
 * outside the buffer (it must be ignored). Returns the extent in elements. */
static int layout(int n, const int *counts, int *displs, int gap) {
    int off = gap;
    for (int i = n - 1; i >= 0; i--) {
        if (counts[i] == 0) {
            displs[i] = 1 << 28;
            continue;
        }
        displs[i] = off;
        off += counts[i] + gap;
    }
    return off;
}

static void test_barrier(void) {
    /* Rank 0 enters late; nobody may leave before it entered. MPI_Wtime is
     * the host clock, the same for every rank of this job. */
    for (int rep = 0; rep < 3; rep++) {
        double entered = 0;
        if (rank == 0) {
            double t0 = MPI_Wtime();
            while (MPI_Wtime() - t0 < 0.01) {
            }
            entered = MPI_Wtime();
        }
        int rc = MPI_Barrier(MPI_COMM_WORLD);
        CHECK(rc == MPI_SUCCESS, "MPI_Barrier rc %d", rc);
        double left = MPI_Wtime();
        rc = MPI_Bcast(&entered, 1, MPI_DOUBLE, 0, MPI_COMM_WORLD);
        CHECK(rc == MPI_SUCCESS, "MPI_Bcast rc %d", rc);
        CHECK(left >= entered, "left the barrier at %.9f before rank 0 entered at %.9f", left, entered);
    }
    CHECK(MPI_Barrier(MPI_COMM_SELF) == MPI_SUCCESS, "MPI_Barrier(MPI_COMM_SELF)");
}

static void test_bcast(void) {
    static const int counts[] = {0, 1, 7, 1000, 20000};
    int *buf = ialloc(20000);
    for (int root = 0; root < size; root++) {
        for (size_t c = 0; c < sizeof counts / sizeof counts[0]; c++) {
            int n = counts[c];
            for (int i = 0; i < n; i++) buf[i] = rank == root ? val(root, 0, i) : SENTINEL;
            buf[n] = SENTINEL; /* past the end: untouched */
            int rc = MPI_Bcast(buf, n, MPI_INT, root, MPI_COMM_WORLD);
            CHECK(rc == MPI_SUCCESS, "MPI_Bcast rc %d", rc);
            int bad = 0;
            for (int i = 0; i < n; i++)
                if (buf[i] != val(root, 0, i)) bad++;
            CHECK(bad == 0, "Bcast root %d count %d: %d wrong elements", root, n, bad);
            if (n < 20000) CHECK(buf[n] == SENTINEL, "Bcast root %d count %d wrote past the end", root, n);
        }
    }
    free(buf);

    /* Large: 1 MiB + 3 bytes of MPI_BYTE and 2.4 MB of doubles, from the
     * first and the last rank. */
    size_t nb = (1 << 20) + 3;
    unsigned char *b = malloc(nb);
    int nd = 300000;
    double *d = malloc(nd * sizeof(double));
    for (int k = 0; k < 2; k++) {
        int root = k == 0 ? 0 : size - 1;
        for (size_t i = 0; i < nb; i++) b[i] = rank == root ? pat(root, 1, (int)i) : 0;
        for (int i = 0; i < nd; i++) d[i] = rank == root ? i * 0.25 - root : -1;
        int rc = MPI_Bcast(b, (int)nb, MPI_BYTE, root, MPI_COMM_WORLD);
        CHECK(rc == MPI_SUCCESS, "MPI_Bcast large rc %d", rc);
        rc = MPI_Bcast(d, nd, MPI_DOUBLE, root, MPI_COMM_WORLD);
        CHECK(rc == MPI_SUCCESS, "MPI_Bcast large rc %d", rc);
        size_t badb = 0, badd = 0;
        for (size_t i = 0; i < nb; i++)
            if (b[i] != pat(root, 1, (int)i)) badb++;
        for (int i = 0; i < nd; i++)
            if (d[i] != i * 0.25 - root) badd++;
        CHECK(badb == 0, "large byte Bcast from %d: %zu wrong", root, badb);
        CHECK(badd == 0, "large double Bcast from %d: %zu wrong", root, badd);
    }
    free(b);
    free(d);
}

static void test_gather_scatter(void) {
    const int cnt = 3;
    int *big = ialloc((size_t)size * cnt + 1);
    int mine[3], got[3];
    for (int root = 0; root < size; root++) {
        /* Gather */
        for (int i = 0; i < cnt; i++) mine[i] = val(rank, root, i);
        ifill(big, (size_t)size * cnt + 1, SENTINEL);
        int rc = MPI_Gather(mine, cnt, MPI_INT, rank == root ? big : NULL, cnt, MPI_INT, root, MPI_COMM_WORLD);
        CHECK(rc == MPI_SUCCESS, "MPI_Gather rc %d", rc);
        if (rank == root) {
            int bad = 0;
            for (int r = 0; r < size; r++)
                for (int i = 0; i < cnt; i++)
                    if (big[r * cnt + i] != val(r, root, i)) bad++;
            CHECK(bad == 0, "Gather root %d: %d wrong", root, bad);
            CHECK(big[size * cnt] == SENTINEL, "Gather root %d wrote past the end", root);
        }

        /* Gather, in place at the root. */
        ifill(big, (size_t)size * cnt + 1, SENTINEL);
        if (rank == root)
            for (int i = 0; i < cnt; i++) big[root * cnt + i] = val(root, root, i);
        rc = MPI_Gather(rank == root ? MPI_IN_PLACE : mine, cnt, MPI_INT, rank == root ? big : NULL, cnt, MPI_INT, root,
                        MPI_COMM_WORLD);
        CHECK(rc == MPI_SUCCESS, "MPI_Gather in place rc %d", rc);
        if (rank == root) {
            int bad = 0;
            for (int r = 0; r < size; r++)
                for (int i = 0; i < cnt; i++)
                    if (big[r * cnt + i] != val(r, root, i)) bad++;
            CHECK(bad == 0, "Gather in place root %d: %d wrong", root, bad);
        }

        /* A zero-size gather. */
        rc = MPI_Gather(mine, 0, MPI_INT, big, 0, MPI_INT, root, MPI_COMM_WORLD);
        CHECK(rc == MPI_SUCCESS, "MPI_Gather count 0 rc %d", rc);

        /* Scatter */
        if (rank == root)
            for (int r = 0; r < size; r++)
                for (int i = 0; i < cnt; i++) big[r * cnt + i] = val(root, r, i);
        ifill(got, 3, SENTINEL);
        rc = MPI_Scatter(rank == root ? big : NULL, cnt, MPI_INT, got, cnt, MPI_INT, root, MPI_COMM_WORLD);
        CHECK(rc == MPI_SUCCESS, "MPI_Scatter rc %d", rc);
        for (int i = 0; i < cnt; i++)
            CHECK(got[i] == val(root, rank, i), "Scatter root %d elem %d: got %d want %d", root, i, got[i], val(root, rank, i));

        /* Scatter, in place at the root: its block stays where it is. */
        ifill(got, 3, SENTINEL);
        rc = MPI_Scatter(rank == root ? big : NULL, cnt, MPI_INT, rank == root ? MPI_IN_PLACE : got, cnt, MPI_INT, root,
                         MPI_COMM_WORLD);
        CHECK(rc == MPI_SUCCESS, "MPI_Scatter in place rc %d", rc);
        if (rank == root) {
            int bad = 0;
            for (int r = 0; r < size; r++)
                for (int i = 0; i < cnt; i++)
                    if (big[r * cnt + i] != val(root, r, i)) bad++;
            CHECK(bad == 0, "Scatter in place changed the root's send buffer (%d)", bad);
            CHECK(got[0] == SENTINEL, "Scatter in place wrote the root's ignored recvbuf");
        } else {
            for (int i = 0; i < cnt; i++)
                CHECK(got[i] == val(root, rank, i), "Scatter in place root %d elem %d: got %d", root, i, got[i]);
        }
    }
    free(big);
}

static void test_gatherv_scatterv(void) {
    int *counts = ialloc(size), *displs = ialloc(size);
    for (int salt = 0; salt < 2; salt++) {
        for (int r = 0; r < size; r++) counts[r] = count_of(r, salt);
        int ext = layout(size, counts, displs, 2);
        int *big = ialloc(ext);
        int mine[4], got[4];
        for (int root = 0; root < size; root++) {
            int n = counts[rank];
            for (int i = 0; i < n; i++) mine[i] = val(rank, root, i);

            /* Gatherv (the non-roots pass garbage counts: not significant). */
            ifill(big, ext, SENTINEL);
            int rc = MPI_Gatherv(mine, n, MPI_INT, rank == root ? big : NULL, rank == root ? counts : NULL,
                                 rank == root ? displs : NULL, MPI_INT, root, MPI_COMM_WORLD);
            CHECK(rc == MPI_SUCCESS, "MPI_Gatherv rc %d", rc);
            if (rank == root) {
                int bad = 0, gaps = 0;
                for (int r = 0; r < size; r++)
                    for (int i = 0; i < counts[r]; i++)
                        if (big[displs[r] + i] != val(r, root, i)) bad++;
                /* The gaps stay untouched. */
                int *mark = calloc(ext, sizeof(int));
                for (int r = 0; r < size; r++)
                    for (int i = 0; i < counts[r]; i++) mark[displs[r] + i] = 1;
                for (int k = 0; k < ext; k++)
                    if (!mark[k] && big[k] != SENTINEL) gaps++;
                free(mark);
                CHECK(bad == 0, "Gatherv root %d salt %d: %d wrong", root, salt, bad);
                CHECK(gaps == 0, "Gatherv root %d salt %d: %d gap elements written", root, salt, gaps);
            }

            /* Gatherv in place at the root. */
            ifill(big, ext, SENTINEL);
            if (rank == root)
                for (int i = 0; i < counts[root]; i++) big[displs[root] + i] = val(root, root, i);
            rc = MPI_Gatherv(rank == root ? MPI_IN_PLACE : mine, n, MPI_INT, big, counts, displs, MPI_INT, root,
                             MPI_COMM_WORLD);
            CHECK(rc == MPI_SUCCESS, "MPI_Gatherv in place rc %d", rc);
            if (rank == root) {
                int bad = 0;
                for (int r = 0; r < size; r++)
                    for (int i = 0; i < counts[r]; i++)
                        if (big[displs[r] + i] != val(r, root, i)) bad++;
                CHECK(bad == 0, "Gatherv in place root %d: %d wrong", root, bad);
            }

            /* Scatterv */
            ifill(big, ext, SENTINEL);
            if (rank == root)
                for (int r = 0; r < size; r++)
                    for (int i = 0; i < counts[r]; i++) big[displs[r] + i] = val(root, r, i);
            ifill(got, 4, SENTINEL);
            rc = MPI_Scatterv(rank == root ? big : NULL, rank == root ? counts : NULL, rank == root ? displs : NULL, MPI_INT,
                              got, n, MPI_INT, root, MPI_COMM_WORLD);
            CHECK(rc == MPI_SUCCESS, "MPI_Scatterv rc %d", rc);
            for (int i = 0; i < n; i++)
                CHECK(got[i] == val(root, rank, i), "Scatterv root %d elem %d: got %d", root, i, got[i]);
            CHECK(got[n] == SENTINEL || n == 4, "Scatterv wrote past the count");

            /* Scatterv in place at the root. */
            ifill(got, 4, SENTINEL);
            rc = MPI_Scatterv(big, counts, displs, MPI_INT, rank == root ? MPI_IN_PLACE : got, n, MPI_INT, root,
                              MPI_COMM_WORLD);
            CHECK(rc == MPI_SUCCESS, "MPI_Scatterv in place rc %d", rc);
            if (rank != root)
                for (int i = 0; i < n; i++)
                    CHECK(got[i] == val(root, rank, i), "Scatterv in place root %d elem %d: got %d", root, i, got[i]);
            else
                CHECK(got[0] == SENTINEL, "Scatterv in place wrote the root's ignored recvbuf");
        }
        free(big);
    }
    free(counts);
    free(displs);
}

static void test_allgather(void) {
    const int cnt = 2;
    int *all = ialloc((size_t)size * cnt + 1);
    int mine[2];
    for (int i = 0; i < cnt; i++) mine[i] = val(rank, 0, i);
    ifill(all, (size_t)size * cnt + 1, SENTINEL);
    int rc = MPI_Allgather(mine, cnt, MPI_INT, all, cnt, MPI_INT, MPI_COMM_WORLD);
    CHECK(rc == MPI_SUCCESS, "MPI_Allgather rc %d", rc);
    int bad = 0;
    for (int r = 0; r < size; r++)
        for (int i = 0; i < cnt; i++)
            if (all[r * cnt + i] != val(r, 0, i)) bad++;
    CHECK(bad == 0, "Allgather: %d wrong", bad);
    CHECK(all[size * cnt] == SENTINEL, "Allgather wrote past the end");

    /* In place. */
    ifill(all, (size_t)size * cnt + 1, SENTINEL);
    for (int i = 0; i < cnt; i++) all[rank * cnt + i] = val(rank, 1, i);
    rc = MPI_Allgather(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, all, cnt, MPI_INT, MPI_COMM_WORLD);
    CHECK(rc == MPI_SUCCESS, "MPI_Allgather in place rc %d", rc);
    bad = 0;
    for (int r = 0; r < size; r++)
        for (int i = 0; i < cnt; i++)
            if (all[r * cnt + i] != val(r, 1, i)) bad++;
    CHECK(bad == 0, "Allgather in place: %d wrong", bad);

    /* The same data as MPI_BYTE. */
    ifill(all, (size_t)size * cnt + 1, SENTINEL);
    rc = MPI_Allgather(mine, cnt * 4, MPI_BYTE, all, cnt * 4, MPI_BYTE, MPI_COMM_WORLD);
    CHECK(rc == MPI_SUCCESS, "MPI_Allgather bytes rc %d", rc);
    bad = 0;
    for (int r = 0; r < size; r++)
        for (int i = 0; i < cnt; i++)
            if (all[r * cnt + i] != val(r, 0, i)) bad++;
    CHECK(bad == 0, "Allgather bytes: %d wrong", bad);
    free(all);

    /* Allgatherv, irregular with zero counts, reverse order with gaps. */
    int *counts = ialloc(size), *displs = ialloc(size);
    for (int salt = 0; salt < 3; salt++) {
        for (int r = 0; r < size; r++) counts[r] = count_of(r, salt);
        int ext = layout(size, counts, displs, 1);
        int *buf = ialloc(ext);
        int v[4];
        for (int i = 0; i < counts[rank]; i++) v[i] = val(rank, salt, i);
        for (int inplace = 0; inplace < 2; inplace++) {
            ifill(buf, ext, SENTINEL);
            if (inplace)
                for (int i = 0; i < counts[rank]; i++) buf[displs[rank] + i] = v[i];
            rc = MPI_Allgatherv(inplace ? MPI_IN_PLACE : v, counts[rank], MPI_INT, buf, counts, displs, MPI_INT,
                                MPI_COMM_WORLD);
            CHECK(rc == MPI_SUCCESS, "MPI_Allgatherv rc %d", rc);
            bad = 0;
            int written = 0;
            for (int r = 0; r < size; r++)
                for (int i = 0; i < counts[r]; i++) {
                    if (buf[displs[r] + i] != val(r, salt, i)) bad++;
                    written++;
                }
            int untouched = 0;
            for (int k = 0; k < ext; k++)
                if (buf[k] == SENTINEL) untouched++;
            CHECK(bad == 0, "Allgatherv salt %d inplace %d: %d wrong", salt, inplace, bad);
            CHECK(untouched == ext - written, "Allgatherv salt %d inplace %d: gaps written (%d untouched, want %d)", salt,
                  inplace, untouched, ext - written);
        }
        free(buf);
    }
    free(counts);
    free(displs);
}

static void test_alltoall(void) {
    /* Small, then large (1 MiB+ per rank in total). */
    int blocks[2] = {3, (1 << 18) / size + 5};
    for (int b = 0; b < 2; b++) {
        int cnt = blocks[b];
        size_t n = (size_t)size * cnt;
        int *s = ialloc(n), *r = ialloc(n + 1);
        for (int j = 0; j < size; j++)
            for (int i = 0; i < cnt; i++) s[j * cnt + i] = val(rank, j, i);
        ifill(r, n + 1, SENTINEL);
        int rc = MPI_Alltoall(s, cnt, MPI_INT, r, cnt, MPI_INT, MPI_COMM_WORLD);
        CHECK(rc == MPI_SUCCESS, "MPI_Alltoall rc %d", rc);
        size_t bad = 0;
        for (int j = 0; j < size; j++)
            for (int i = 0; i < cnt; i++)
                if (r[j * cnt + i] != val(j, rank, i)) bad++;
        CHECK(bad == 0, "Alltoall block %d: %zu wrong", cnt, bad);
        CHECK(r[n] == SENTINEL, "Alltoall wrote past the end");

        /* In place. */
        for (int j = 0; j < size; j++)
            for (int i = 0; i < cnt; i++) r[j * cnt + i] = val(rank, j, i) + 1;
        rc = MPI_Alltoall(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, r, cnt, MPI_INT, MPI_COMM_WORLD);
        CHECK(rc == MPI_SUCCESS, "MPI_Alltoall in place rc %d", rc);
        bad = 0;
        for (int j = 0; j < size; j++)
            for (int i = 0; i < cnt; i++)
                if (r[j * cnt + i] != val(j, rank, i) + 1) bad++;
        CHECK(bad == 0, "Alltoall in place block %d: %zu wrong", cnt, bad);
        free(s);
        free(r);
    }
}

/* a2av_count is what rank src sends to rank dst in the v-variant. */
static int a2av_count(int src, int dst) { return (src * 3 + dst * 2 + src * dst) % 4; }

static void test_alltoallv(void) {
    int *sc = ialloc(size), *sd = ialloc(size), *rcn = ialloc(size), *rd = ialloc(size);
    for (int j = 0; j < size; j++) {
        sc[j] = a2av_count(rank, j);
        rcn[j] = a2av_count(j, rank);
    }
    int sext = layout(size, sc, sd, 3);
    int rext = layout(size, rcn, rd, 1);
    int *s = ialloc(sext), *r = ialloc(rext);
    ifill(s, sext, SENTINEL);
    for (int j = 0; j < size; j++)
        for (int i = 0; i < sc[j]; i++) s[sd[j] + i] = val(rank, j, i);
    int written = 0;
    for (int j = 0; j < size; j++) written += rcn[j];

    ifill(r, rext, SENTINEL);
    int rc = MPI_Alltoallv(s, sc, sd, MPI_INT, r, rcn, rd, MPI_INT, MPI_COMM_WORLD);
    CHECK(rc == MPI_SUCCESS, "MPI_Alltoallv rc %d", rc);
    int bad = 0, untouched = 0;
    for (int j = 0; j < size; j++)
        for (int i = 0; i < rcn[j]; i++)
            if (r[rd[j] + i] != val(j, rank, i)) bad++;
    for (int k = 0; k < rext; k++)
        if (r[k] == SENTINEL) untouched++;
    CHECK(bad == 0, "Alltoallv: %d wrong", bad);
    CHECK(untouched == rext - written, "Alltoallv wrote into gaps");

    /* In place: counts must be symmetric (what j sends me = what I send j). */
    for (int j = 0; j < size; j++) rcn[j] = (rank + j) % 3;
    rext = layout(size, rcn, rd, 2);
    free(r);
    r = ialloc(rext);
    ifill(r, rext, SENTINEL);
    for (int j = 0; j < size; j++)
        for (int i = 0; i < rcn[j]; i++) r[rd[j] + i] = val(rank, j, i) - 5;
    rc = MPI_Alltoallv(MPI_IN_PLACE, NULL, NULL, MPI_DATATYPE_NULL, r, rcn, rd, MPI_INT, MPI_COMM_WORLD);
    CHECK(rc == MPI_SUCCESS, "MPI_Alltoallv in place rc %d", rc);
    bad = 0;
    untouched = 0;
    written = 0;
    for (int j = 0; j < size; j++)
        for (int i = 0; i < rcn[j]; i++) {
            if (r[rd[j] + i] != val(j, rank, i) - 5) bad++;
            written++;
        }
    for (int k = 0; k < rext; k++)
        if (r[k] == SENTINEL) untouched++;
    CHECK(bad == 0, "Alltoallv in place: %d wrong", bad);
    CHECK(untouched == rext - written, "Alltoallv in place wrote into gaps");
    free(s);
    free(r);
    free(sc);
    free(sd);
    free(rcn);
    free(rd);
}

/* Alltoallw: the block from src to dst has type w_type(src, dst) and
 * w_count(src, dst) elements (zero for some pairs); byte displacements,
 * unaligned, blocks in reverse order. */
static MPI_Datatype w_type(int src, int dst) {
    static MPI_Datatype t[4];
    t[0] = MPI_INT;
    t[1] = MPI_DOUBLE;
    t[2] = MPI_SHORT;
    t[3] = MPI_CHAR;
    return t[(src + 2 * dst) % 4];
}
static int w_size(MPI_Datatype t) {
    int s = 0;
    MPI_Type_size(t, &s);
    return s;
}
static int w_count(int src, int dst) { return (src * 2 + dst * 3 + 1) % 5; }

static void test_alltoallw(void) {
    int *sc = ialloc(size), *sd = ialloc(size), *rcn = ialloc(size), *rd = ialloc(size);
    MPI_Datatype *st = malloc(size * sizeof(MPI_Datatype)), *rt = malloc(size * sizeof(MPI_Datatype));
    int soff = 1, roff = 3;
    for (int j = size - 1; j >= 0; j--) {
        st[j] = w_type(rank, j);
        sc[j] = w_count(rank, j);
        sd[j] = soff;
        soff += sc[j] * w_size(st[j]) + 3;
        rt[j] = w_type(j, rank);
        rcn[j] = w_count(j, rank);
        rd[j] = roff;
        roff += rcn[j] * w_size(rt[j]) + 5;
    }
    unsigned char *s = malloc(soff), *r = malloc(roff);
    memset(s, 0xEE, soff);
    for (int j = 0; j < size; j++)
        for (int k = 0; k < sc[j] * w_size(st[j]); k++) s[sd[j] + k] = pat(rank, j, k);
    memset(r, 0xEE, roff);
    int rc = MPI_Alltoallw(s, sc, sd, st, r, rcn, rd, rt, MPI_COMM_WORLD);
    CHECK(rc == MPI_SUCCESS, "MPI_Alltoallw rc %d", rc);
    int bad = 0, gap = 0;
    unsigned char *mark = calloc(roff, 1);
    for (int j = 0; j < size; j++)
        for (int k = 0; k < rcn[j] * w_size(rt[j]); k++) {
            if (r[rd[j] + k] != pat(j, rank, k)) bad++;
            mark[rd[j] + k] = 1;
        }
    for (int k = 0; k < roff; k++)
        if (!mark[k] && r[k] != 0xEE) gap++;
    CHECK(bad == 0, "Alltoallw: %d wrong bytes", bad);
    CHECK(gap == 0, "Alltoallw: %d gap bytes written", gap);

    /* In place: symmetric types and counts. */
    roff = 2;
    for (int j = 0; j < size; j++) {
        rt[j] = w_type(rank + j, 0);
        rcn[j] = (rank + j) % 3;
    }
    for (int j = 0; j < size; j++) {
        rd[j] = roff;
        roff += rcn[j] * w_size(rt[j]) + 1;
    }
    free(r);
    r = malloc(roff);
    memset(r, 0xEE, roff);
    for (int j = 0; j < size; j++)
        for (int k = 0; k < rcn[j] * w_size(rt[j]); k++) r[rd[j] + k] = pat(rank, j, k + 1);
    rc = MPI_Alltoallw(MPI_IN_PLACE, NULL, NULL, NULL, r, rcn, rd, rt, MPI_COMM_WORLD);
    CHECK(rc == MPI_SUCCESS, "MPI_Alltoallw in place rc %d", rc);
    bad = 0;
    gap = 0;
    free(mark);
    mark = calloc(roff, 1);
    for (int j = 0; j < size; j++)
        for (int k = 0; k < rcn[j] * w_size(rt[j]); k++) {
            if (r[rd[j] + k] != pat(j, rank, k + 1)) bad++;
            mark[rd[j] + k] = 1;
        }
    for (int k = 0; k < roff; k++)
        if (!mark[k] && r[k] != 0xEE) gap++;
    CHECK(bad == 0, "Alltoallw in place: %d wrong bytes", bad);
    CHECK(gap == 0, "Alltoallw in place: %d gap bytes written", gap);
    free(mark);
    free(s);
    free(r);
    free(sc);
    free(sd);
    free(rcn);
    free(rd);
    free(st);
    free(rt);
}

/* Displacements are relative to the buffer address and may be negative
 * (the standard puts no sign restriction on them): the buffer arguments
 * point into the middle of the arrays. */
static void test_negative_displs(void) {
    int *counts = ialloc(size), *displs = ialloc(size);
    int total = 0;
    for (int r = 0; r < size; r++) {
        counts[r] = r % 3 == 1 ? 0 : 2;
        total += counts[r];
    }
    /* Blocks laid out from -total-size to about 0, in reverse order. */
    int off = -total - size;
    for (int r = size - 1; r >= 0; r--) {
        displs[r] = counts[r] ? off : -(1 << 20);
        off += counts[r] + 1;
    }
    int ext = total + size + 4;
    int *arr = ialloc(ext), *base = arr + total + size; /* base[displs[r]] is inside arr */
    int mine[2] = {val(rank, 7, 0), val(rank, 7, 1)};
    int root = size - 1;

    ifill(arr, ext, SENTINEL);
    int rc = MPI_Gatherv(mine, counts[rank], MPI_INT, base, counts, displs, MPI_INT, root, MPI_COMM_WORLD);
    CHECK(rc == MPI_SUCCESS, "Gatherv with negative displacements rc %d", rc);
    if (rank == root) {
        int bad = 0;
        for (int r = 0; r < size; r++)
            for (int i = 0; i < counts[r]; i++)
                if (base[displs[r] + i] != val(r, 7, i)) bad++;
        CHECK(bad == 0, "Gatherv with negative displacements: %d wrong", bad);
    }

    int got[2] = {SENTINEL, SENTINEL};
    if (rank == root)
        for (int r = 0; r < size; r++)
            for (int i = 0; i < counts[r]; i++) base[displs[r] + i] = val(root, r, i);
    rc = MPI_Scatterv(base, counts, displs, MPI_INT, got, counts[rank], MPI_INT, root, MPI_COMM_WORLD);
    CHECK(rc == MPI_SUCCESS, "Scatterv with negative displacements rc %d", rc);
    for (int i = 0; i < counts[rank]; i++)
        CHECK(got[i] == val(root, rank, i), "Scatterv with negative displacements elem %d: %d", i, got[i]);

    ifill(arr, ext, SENTINEL);
    rc = MPI_Allgatherv(mine, counts[rank], MPI_INT, base, counts, displs, MPI_INT, MPI_COMM_WORLD);
    CHECK(rc == MPI_SUCCESS, "Allgatherv with negative displacements rc %d", rc);
    int bad = 0;
    for (int r = 0; r < size; r++)
        for (int i = 0; i < counts[r]; i++)
            if (base[displs[r] + i] != val(r, 7, i)) bad++;
    CHECK(bad == 0, "Allgatherv with negative displacements: %d wrong", bad);

    /* Alltoallv: everybody sends counts[dst] elements to dst, from base
     * with displs; receives counts[me] from everyone into rbase. */
    int *rc_ = ialloc(size), *rd = ialloc(size);
    for (int r = 0; r < size; r++) {
        rc_[r] = counts[rank];
        rd[r] = -(size - r) * 2;
    }
    int *rarr = ialloc(2 * size + 1), *rbase = rarr + 2 * size;
    ifill(arr, ext, SENTINEL);
    for (int r = 0; r < size; r++)
        for (int i = 0; i < counts[r]; i++) base[displs[r] + i] = val(rank, r, i);
    ifill(rarr, 2 * size + 1, SENTINEL);
    rc = MPI_Alltoallv(base, counts, displs, MPI_INT, rbase, rc_, rd, MPI_INT, MPI_COMM_WORLD);
    CHECK(rc == MPI_SUCCESS, "Alltoallv with negative displacements rc %d", rc);
    bad = 0;
    for (int r = 0; r < size; r++)
        for (int i = 0; i < rc_[r]; i++)
            if (rbase[rd[r] + i] != val(r, rank, i)) bad++;
    CHECK(bad == 0, "Alltoallv with negative displacements: %d wrong", bad);

    /* Alltoallw: byte displacements, negative. */
    int *bd = ialloc(size), *rbd = ialloc(size);
    MPI_Datatype *ty = malloc(size * sizeof(MPI_Datatype));
    for (int r = 0; r < size; r++) {
        bd[r] = displs[r] * 4;
        rbd[r] = rd[r] * 4;
        ty[r] = MPI_INT;
    }
    ifill(rarr, 2 * size + 1, SENTINEL);
    rc = MPI_Alltoallw(base, counts, bd, ty, rbase, rc_, rbd, ty, MPI_COMM_WORLD);
    CHECK(rc == MPI_SUCCESS, "Alltoallw with negative displacements rc %d", rc);
    bad = 0;
    for (int r = 0; r < size; r++)
        for (int i = 0; i < rc_[r]; i++)
            if (rbase[rd[r] + i] != val(r, rank, i)) bad++;
    CHECK(bad == 0, "Alltoallw with negative displacements: %d wrong", bad);
    free(bd);
    free(rbd);
    free(ty);
    free(rc_);
    free(rd);
    free(rarr);
    free(arr);
    free(counts);
    free(displs);
}

/* Send blocks may overlap (only receive blocks may not): every rank gets
 * the same block. And type signatures match element by element, not
 * datatype by datatype: 2 MPI_INT match 1 MPI_2INT. */
static void test_overlap_and_signatures(void) {
    int *zeros = ialloc(size), *twos = ialloc(size), *rd = ialloc(size);
    for (int r = 0; r < size; r++) {
        zeros[r] = 0;
        twos[r] = 2;
        rd[r] = 2 * r;
    }
    int src[2] = {val(rank, 9, 0), val(rank, 9, 1)}, got[2] = {SENTINEL, SENTINEL};
    for (int root = 0; root < size; root++) {
        got[0] = got[1] = SENTINEL;
        int rc = MPI_Scatterv(src, twos, zeros, MPI_INT, got, 2, MPI_INT, root, MPI_COMM_WORLD);
        CHECK(rc == MPI_SUCCESS && got[0] == val(root, 9, 0) && got[1] == val(root, 9, 1),
              "Scatterv of one shared block from %d: rc %d {%d,%d}", root, rc, got[0], got[1]);
    }
    int *all = ialloc(2 * size);
    ifill(all, 2 * size, SENTINEL);
    int rc = MPI_Alltoallv(src, twos, zeros, MPI_INT, all, twos, rd, MPI_INT, MPI_COMM_WORLD);
    int bad = 0;
    for (int r = 0; r < size; r++)
        if (all[2 * r] != val(r, 9, 0) || all[2 * r + 1] != val(r, 9, 1)) bad++;
    CHECK(rc == MPI_SUCCESS && bad == 0, "Alltoallv of one shared block: rc %d, %d wrong", rc, bad);

    /* 2 MPI_INT sent, 1 MPI_2INT received, and the reverse. */
    ifill(all, 2 * size, SENTINEL);
    rc = MPI_Allgather(src, 2, MPI_INT, all, 1, MPI_2INT, MPI_COMM_WORLD);
    bad = 0;
    for (int r = 0; r < size; r++)
        if (all[2 * r] != val(r, 9, 0) || all[2 * r + 1] != val(r, 9, 1)) bad++;
    CHECK(rc == MPI_SUCCESS && bad == 0, "Allgather 2 MPI_INT into MPI_2INT: rc %d, %d wrong", rc, bad);
    for (int root = 0; root < size; root++) {
        ifill(all, 2 * size, SENTINEL);
        rc = MPI_Gather(src, 1, MPI_2INT, all, 2, MPI_INT, root, MPI_COMM_WORLD);
        bad = 0;
        if (rank == root)
            for (int r = 0; r < size; r++)
                if (all[2 * r] != val(r, 9, 0) || all[2 * r + 1] != val(r, 9, 1)) bad++;
        CHECK(rc == MPI_SUCCESS && bad == 0, "Gather MPI_2INT into 2 MPI_INT at %d: rc %d, %d wrong", root, rc, bad);
    }
    free(all);
    free(zeros);
    free(twos);
    free(rd);
}

/* Every collective of this file on MPI_COMM_SELF. */
static void test_self(void) {
    MPI_Comm self = MPI_COMM_SELF;
    int a[4] = {1, 2, 3, 4}, b[4];
    int one = 1, zero = 0;
    int rc;
    CHECK(MPI_Bcast(a, 4, MPI_INT, 0, self) == MPI_SUCCESS && a[3] == 4, "self Bcast");
    ifill(b, 4, SENTINEL);
    rc = MPI_Gather(a, 4, MPI_INT, b, 4, MPI_INT, 0, self);
    CHECK(rc == MPI_SUCCESS && b[0] == 1 && b[3] == 4, "self Gather rc %d b[3] %d", rc, b[3]);
    rc = MPI_Gather(MPI_IN_PLACE, 4, MPI_INT, b, 4, MPI_INT, 0, self);
    CHECK(rc == MPI_SUCCESS && b[3] == 4, "self Gather in place rc %d", rc);
    ifill(b, 4, SENTINEL);
    int four = 4;
    rc = MPI_Gatherv(a, 4, MPI_INT, b, &four, &zero, MPI_INT, 0, self);
    CHECK(rc == MPI_SUCCESS && b[0] == 1 && b[3] == 4, "self Gatherv rc %d", rc);
    ifill(b, 4, SENTINEL);
    rc = MPI_Scatter(a, 2, MPI_INT, b, 2, MPI_INT, 0, self);
    CHECK(rc == MPI_SUCCESS && b[0] == 1 && b[1] == 2 && b[2] == SENTINEL, "self Scatter rc %d", rc);
    rc = MPI_Scatter(a, 2, MPI_INT, MPI_IN_PLACE, 2, MPI_INT, 0, self);
    CHECK(rc == MPI_SUCCESS && a[0] == 1, "self Scatter in place rc %d", rc);
    ifill(b, 4, SENTINEL);
    rc = MPI_Scatterv(a, &one, &one, MPI_INT, b, 1, MPI_INT, 0, self);
    CHECK(rc == MPI_SUCCESS && b[0] == 2 && b[1] == SENTINEL, "self Scatterv rc %d b0 %d", rc, b[0]);
    ifill(b, 4, SENTINEL);
    rc = MPI_Allgather(a, 3, MPI_INT, b, 3, MPI_INT, self);
    CHECK(rc == MPI_SUCCESS && b[2] == 3 && b[3] == SENTINEL, "self Allgather rc %d", rc);
    rc = MPI_Allgather(MPI_IN_PLACE, 3, MPI_INT, b, 3, MPI_INT, self);
    CHECK(rc == MPI_SUCCESS && b[2] == 3, "self Allgather in place rc %d", rc);
    ifill(b, 4, SENTINEL);
    rc = MPI_Allgatherv(a, 2, MPI_INT, b, (int[]){2}, &one, MPI_INT, self);
    CHECK(rc == MPI_SUCCESS && b[0] == SENTINEL && b[1] == 1 && b[2] == 2, "self Allgatherv rc %d", rc);
    ifill(b, 4, SENTINEL);
    rc = MPI_Alltoall(a, 4, MPI_INT, b, 4, MPI_INT, self);
    CHECK(rc == MPI_SUCCESS && b[0] == 1 && b[3] == 4, "self Alltoall rc %d", rc);
    rc = MPI_Alltoall(MPI_IN_PLACE, 4, MPI_INT, b, 4, MPI_INT, self);
    CHECK(rc == MPI_SUCCESS && b[0] == 1 && b[3] == 4, "self Alltoall in place rc %d", rc);
    ifill(b, 4, SENTINEL);
    rc = MPI_Alltoallv(a, (int[]){3}, &one, MPI_INT, b, (int[]){3}, &zero, MPI_INT, self);
    CHECK(rc == MPI_SUCCESS && b[0] == 2 && b[2] == 4 && b[3] == SENTINEL, "self Alltoallv rc %d", rc);
    rc = MPI_Alltoallv(MPI_IN_PLACE, NULL, NULL, MPI_INT, b, (int[]){3}, &zero, MPI_INT, self);
    CHECK(rc == MPI_SUCCESS && b[0] == 2 && b[2] == 4, "self Alltoallv in place rc %d", rc);
    ifill(b, 4, SENTINEL);
    MPI_Datatype ti = MPI_INT;
    rc = MPI_Alltoallw(a, (int[]){2}, (int[]){8}, &ti, b, (int[]){2}, (int[]){4}, &ti, self);
    CHECK(rc == MPI_SUCCESS && b[0] == SENTINEL && b[1] == 3 && b[2] == 4 && b[3] == SENTINEL, "self Alltoallw rc %d", rc);
    rc = MPI_Alltoallw(MPI_IN_PLACE, NULL, NULL, NULL, b, (int[]){2}, (int[]){4}, &ti, self);
    CHECK(rc == MPI_SUCCESS && b[1] == 3 && b[2] == 4, "self Alltoallw in place rc %d", rc);
    (void)zero;
}

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_RETURN);
    test_barrier();
    test_bcast();
    test_gather_scatter();
    test_gatherv_scatterv();
    test_allgather();
    test_alltoall();
    test_alltoallv();
    test_alltoallw();
    test_negative_displs();
    test_overlap_and_signatures();
    test_self();
    return mtest_finish();
}
