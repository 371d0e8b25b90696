/* MPI_Comm_idup completes in Wait/Test, not in the call: rank 0 starts a
 * duplicate and then talks to rank 1, which only starts its own after
 * hearing from rank 0 (a blocking idup would deadlock there); several
 * duplicates in flight at once on different parents, with collectives and a
 * blocking MPI_Comm_dup on the parents meanwhile; the new communicators
 * are distinct and usable; attributes are copied on completion; a bad
 * argument on one rank fails the call on every rank. */
#include "mtest.h"

static int me, np;

static int sum_ranks(MPI_Comm c) {
    int s = 0;
    MPI_Allreduce(&me, &s, 1, MPI_INT, MPI_SUM, c);
    return s;
}

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &me);
    MPI_Comm_size(MPI_COMM_WORLD, &np);
    int total = np * (np - 1) / 2;

    /* progress before the other rank has even started the duplicate */
    {
        MPI_Comm c = MPI_COMM_NULL;
        MPI_Request r;
        int token = 0;
        if (np >= 2 && me == 1) {
            MPI_Recv(&token, 1, MPI_INT, 0, 5, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            CHECK(token == 77, "token %d", token);
        }
        MPI_Comm_idup(MPI_COMM_WORLD, &c, &r);
        if (np >= 2 && me == 0) {
            token = 77;
            MPI_Send(&token, 1, MPI_INT, 1, 5, MPI_COMM_WORLD);
        }
        MPI_Wait(&r, MPI_STATUS_IGNORE);
        CHECK(r == MPI_REQUEST_NULL && c != MPI_COMM_NULL, "idup done");
        CHECK(sum_ranks(c) == total, "Allreduce on the duplicate");
        MPI_Comm_free(&c);
    }

    /* several in flight, collectives and a blocking dup meanwhile */
    {
        MPI_Comm half, c[3], d;
        MPI_Request r[3];
        MPI_Comm_split(MPI_COMM_WORLD, me % 2, me, &half);
        int keyval, flag = 0;
        void *val = NULL;
        MPI_Comm_create_keyval(MPI_COMM_DUP_FN, MPI_COMM_NULL_DELETE_FN, &keyval, NULL);
        MPI_Comm_set_attr(half, keyval, (void *)(long)(100 + me % 2));
        MPI_Comm_idup(MPI_COMM_WORLD, &c[0], &r[0]);
        MPI_Comm_idup(half, &c[1], &r[1]);
        CHECK(sum_ranks(MPI_COMM_WORLD) == total, "Allreduce on WORLD while duplicating it");
        MPI_Comm_dup(half, &d);
        MPI_Comm_idup_with_info(MPI_COMM_WORLD, MPI_INFO_NULL, &c[2], &r[2]);
        int hs = 0, hsum = 0;
        MPI_Comm_size(half, &hs);
        for (int i = me % 2; i < np; i += 2) hsum += i;
        CHECK(sum_ranks(d) == hsum, "blocking dup among idups");
        int flag3 = 0;
        while (!flag3) MPI_Testall(3, r, &flag3, MPI_STATUSES_IGNORE);
        CHECK(sum_ranks(c[0]) == total && sum_ranks(c[2]) == total, "idup(WORLD) twice");
        CHECK(sum_ranks(c[1]) == hsum, "idup(half)");
        MPI_Comm_get_attr(c[1], keyval, &val, &flag);
        CHECK(flag == 1 && val == (void *)(long)(100 + me % 2), "attribute copied on completion: %d %p", flag, val);
        int res;
        MPI_Comm_compare(c[0], c[2], &res);
        CHECK(res == MPI_CONGRUENT, "compare %d", res);
        /* the duplicates are distinct contexts: a message on one is not
         * received on the other */
        if (np >= 2 && me < 2) {
            int peer = 1 - me, x = me + 10, y = -1, z = -1;
            MPI_Request s[2];
            MPI_Isend(&x, 1, MPI_INT, peer, 3, c[0], &s[0]);
            x = me + 20;
            int x2 = me + 20;
            MPI_Isend(&x2, 1, MPI_INT, peer, 3, c[2], &s[1]);
            MPI_Recv(&y, 1, MPI_INT, peer, 3, c[2], MPI_STATUS_IGNORE);
            MPI_Recv(&z, 1, MPI_INT, peer, 3, c[0], MPI_STATUS_IGNORE);
            MPI_Waitall(2, s, MPI_STATUSES_IGNORE);
            CHECK(y == peer + 20 && z == peer + 10, "contexts apart: %d %d", y, z);
        }
        for (int i = 0; i < 3; i++) MPI_Comm_free(&c[i]);
        MPI_Comm_free(&d);
        MPI_Comm_free(&half);
        MPI_Comm_free_keyval(&keyval);
    }

    /* a bad argument on the last rank fails the call everywhere */
    {
        MPI_Comm c = MPI_COMM_NULL;
        MPI_Request r = MPI_REQUEST_NULL;
        MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
        int rc = MPI_Comm_idup(MPI_COMM_WORLD, me == np - 1 ? NULL : &c, &r);
        if (me == np - 1) {
            CHECK_CLASS(rc, MPI_ERR_ARG);
        } else {
            CHECK(rc == MPI_SUCCESS, "idup rc %d", rc);
            rc = MPI_Wait(&r, MPI_STATUS_IGNORE);
            CHECK_CLASS(rc, MPI_ERR_ARG);
            CHECK(c == MPI_COMM_NULL, "newcomm set after a failed idup");
        }
        MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL);
        CHECK(sum_ranks(MPI_COMM_WORLD) == total, "WORLD still works");
    }
    return mtest_finish();
}
