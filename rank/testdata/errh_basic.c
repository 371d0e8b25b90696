/* errh_basic.c: user error handlers, added error classes and codes,
 * Alloc_mem/Free_mem and Pcontrol.
 *
 * A handler made by Comm_create_errhandler is called with the communicator
 * and the error code when a call on that communicator fails (and the call
 * then returns the code), by Comm_call_errhandler, for calls tied to no
 * communicator through MPI_COMM_SELF, and is inherited by Comm_dup; a
 * handler declared without "..." works too. Add_error_class/code/string,
 * Error_class/Error_string of added codes, MPI_LASTUSEDCODE. */
#include "mtest.h"

static int rank, size;
static int hcalls, hcode;
static MPI_Comm hcomm;

static void handler(MPI_Comm *comm, int *code, ...) {
    hcalls++;
    hcomm = *comm;
    hcode = *code;
}

static int h2calls;
static void handler_novarargs(MPI_Comm *comm, int *code) {
    (void)comm;
    (void)code;
    h2calls++;
}

static void test_handlers(void) {
    MPI_Errhandler eh, got;
    MPI_Comm c, c2;
    CHECK(MPI_Comm_create_errhandler(handler, &eh) == MPI_SUCCESS, "create_errhandler");
    MPI_Comm_dup(MPI_COMM_WORLD, &c);
    MPI_Comm_set_errhandler(c, eh);
    MPI_Comm_get_errhandler(c, &got);
    CHECK(got == eh, "get_errhandler");
    int x = 0;
    int rc = MPI_Send(&x, 1, MPI_INT, size + 5, 0, c);
    CHECK(hcalls == 1, "handler calls %d", hcalls);
    CHECK(hcomm == c, "handler got the wrong communicator");
    CHECK(rc == hcode && rc != MPI_SUCCESS, "rc %d, handler code %d", rc, hcode);
    CHECK_CLASS(rc, MPI_ERR_RANK);
    /* a successful call does not call it */
    MPI_Barrier(c);
    CHECK(hcalls == 1, "handler called on success");
    /* inherited by dup */
    MPI_Comm_dup(c, &c2);
    rc = MPI_Send(&x, -1, MPI_INT, 0, 0, c2);
    CHECK(hcalls == 2 && hcomm == c2, "dup inherits handler: %d", hcalls);
    CHECK_CLASS(rc, MPI_ERR_COUNT);
    /* Comm_call_errhandler */
    rc = MPI_Comm_call_errhandler(c, MPI_ERR_TAG);
    CHECK(rc == MPI_SUCCESS && hcalls == 3 && hcode == MPI_ERR_TAG, "call_errhandler rc %d calls %d code %d", rc, hcalls, hcode);
    /* the handler stays valid for c after Errhandler_free */
    MPI_Errhandler_free(&eh);
    CHECK(eh == MPI_ERRHANDLER_NULL, "Errhandler_free");
    MPI_Comm_call_errhandler(c, MPI_ERR_ARG);
    CHECK(hcalls == 4 && hcode == MPI_ERR_ARG, "after free: %d", hcalls);
    MPI_Errhandler_free(&got);
    /* calls tied to no communicator use MPI_COMM_SELF's handler */
    MPI_Errhandler eh2;
    MPI_Comm_create_errhandler((MPI_Comm_errhandler_function *)handler_novarargs, &eh2);
    MPI_Comm_set_errhandler(MPI_COMM_SELF, eh2);
    MPI_Op op = MPI_SUM;
    rc = MPI_Op_free(&op);
    CHECK(h2calls == 1, "SELF handler calls %d", h2calls);
    CHECK_CLASS(rc, MPI_ERR_OP);
    MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_ARE_FATAL);
    MPI_Errhandler_free(&eh2);
    /* ERRORS_RETURN: call_errhandler just returns */
    MPI_Comm_set_errhandler(c2, MPI_ERRORS_RETURN);
    CHECK(MPI_Comm_call_errhandler(c2, MPI_ERR_OTHER) == MPI_SUCCESS, "call_errhandler with ERRORS_RETURN");
    MPI_Comm_free(&c2);
    MPI_Comm_free(&c);
}

static void test_codes(void) {
    int cls, code, code2, rc, len;
    char s[MPI_MAX_ERROR_STRING];
    int *last, flag;
    MPI_Add_error_class(&cls);
    CHECK(cls > MPI_ERR_LASTCODE, "new class %d", cls);
    MPI_Add_error_code(cls, &code);
    MPI_Add_error_code(MPI_ERR_ARG, &code2);
    CHECK(code != cls && code2 != code && code > MPI_ERR_LASTCODE, "codes %d %d", code, code2);
    int c1 = -1;
    MPI_Error_class(code, &c1);
    CHECK(c1 == cls, "class of code %d", c1);
    MPI_Error_class(cls, &c1);
    CHECK(c1 == cls, "class of class %d", c1);
    MPI_Error_class(code2, &c1);
    CHECK(c1 == MPI_ERR_ARG, "class of code2 %d", c1);
    MPI_Comm_get_attr(MPI_COMM_WORLD, MPI_LASTUSEDCODE, &last, &flag);
    CHECK(flag && *last == code2, "LASTUSEDCODE %d want %d", *last, code2);
    MPI_Error_string(code, s, &len);
    CHECK(len == 0, "string before Add_error_string '%s'", s);
    MPI_Add_error_string(code, "my special failure");
    MPI_Error_string(code, s, &len);
    CHECK(strcmp(s, "my special failure") == 0 && len == 18, "string '%s' %d", s, len);
    MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_RETURN);
    rc = MPI_Add_error_string(MPI_ERR_ARG, "no");
    CHECK(rc != MPI_SUCCESS, "Add_error_string on a predefined class");
    rc = MPI_Add_error_code(code, &c1);
    CHECK(rc != MPI_SUCCESS, "Add_error_code with a code as class");
    MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_ARE_FATAL);
    /* a user handler sees the added code */
    MPI_Errhandler eh;
    MPI_Comm_create_errhandler(handler, &eh);
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, eh);
    MPI_Comm_call_errhandler(MPI_COMM_WORLD, code);
    CHECK(hcode == code && hcomm == MPI_COMM_WORLD, "handler code %d", hcode);
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL);
    MPI_Errhandler_free(&eh);
}

static void test_mem(void) {
    char *p = NULL, *q = NULL;
    CHECK(MPI_Alloc_mem(1 << 20, MPI_INFO_NULL, &p) == MPI_SUCCESS && p != NULL, "Alloc_mem");
    CHECK(((unsigned long)p & 15) == 0, "alignment %p", (void *)p);
    memset(p, rank + 1, 1 << 20);
    MPI_Info info;
    MPI_Info_create(&info);
    MPI_Info_set(info, "mpi_minimum_memory_alignment", "64");
    MPI_Alloc_mem(100, info, &q);
    MPI_Info_free(&info);
    CHECK(q != NULL && (q + 100 <= p || q >= p + (1 << 20)), "overlapping allocations");
    memset(q, 0x77, 100);
    /* used as a message buffer */
    int peer = (rank + 1) % size, from = (rank + size - 1) % size;
    char *r;
    MPI_Alloc_mem(1 << 20, MPI_INFO_NULL, &r);
    MPI_Request rq;
    MPI_Isend(p, 1 << 20, MPI_CHAR, peer, 1, MPI_COMM_WORLD, &rq);
    MPI_Recv(r, 1 << 20, MPI_CHAR, from, 1, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    MPI_Wait(&rq, MPI_STATUS_IGNORE);
    int bad = 0;
    for (int i = 0; i < (1 << 20); i++) bad += r[i] != (char)(from + 1);
    CHECK(bad == 0, "Alloc_mem buffers as messages: %d wrong", bad);
    CHECK(q[99] == 0x77 && p[0] == rank + 1, "allocations intact");
    MPI_Free_mem(p);
    MPI_Free_mem(r);
    /* freed memory is reused */
    char *p2;
    MPI_Alloc_mem(1 << 19, MPI_INFO_NULL, &p2);
    CHECK(p2 != NULL, "Alloc_mem after free");
    MPI_Free_mem(p2);
    MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_RETURN);
    CHECK_CLASS(MPI_Free_mem(p2), MPI_ERR_ARG);
    char stack;
    CHECK_CLASS(MPI_Free_mem(&stack), MPI_ERR_ARG);
    MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_ARE_FATAL);
    MPI_Free_mem(q);
    /* malloc never hands out the runtime's memory and vice versa: keep an
     * Alloc_mem block alive while malloc grows the heap around it */
    char *keep;
    MPI_Alloc_mem(70000, MPI_INFO_NULL, &keep);
    memset(keep, 0x3c, 70000);
    char *ms[6];
    for (int i = 0; i < 6; i++) {
        ms[i] = malloc((size_t)(i + 1) << 20);
        CHECK(ms[i] != NULL, "malloc %d", i);
        if (!ms[i]) continue;
        CHECK(ms[i] + ((i + 1) << 20) <= keep || ms[i] >= keep + 70000, "malloc block %d overlaps MPI memory", i);
        memset(ms[i], 0xee, (size_t)(i + 1) << 20);
        char *more;
        MPI_Alloc_mem(1 << 18, MPI_INFO_NULL, &more);
        CHECK(more + (1 << 18) <= ms[i] || more >= ms[i] + ((i + 1) << 20), "Alloc_mem overlaps malloc block %d", i);
        MPI_Free_mem(more);
    }
    int kbad = 0;
    for (int i = 0; i < 70000; i++) kbad += keep[i] != 0x3c;
    CHECK(kbad == 0, "malloc'ed memory overwrote MPI memory (%d bytes)", kbad);
    for (int i = 0; i < 6; i++) free(ms[i]);
    MPI_Free_mem(keep);
}

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    MPI_Pcontrol(1);
    test_handlers();
    test_codes();
    test_mem();
    MPI_Pcontrol(0);
    return mtest_finish();
}
